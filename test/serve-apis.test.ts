// `emu serve --template`: every way a template defines an API besides a function's Events (ApiGatewayV2
// quick create and long form, OpenAPI definitions, AWS::Lambda::Url), stage variables, and the names the
// Invoke API takes, through the real CLI and real HTTP requests (docs/api-definitions.md).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { readSamTemplate } from '../src/template/index.js';
import { assertNoProcessLeft, REPO_ROOT } from './helpers.js';
import { echoedEvent, send, startServe, type RunningServe } from './serve-helpers.js';

const TEMPLATE = `${REPO_ROOT}/test/fixtures/serve-apis/template.yaml`;
const ORIGIN = 'https://page.example';

describe('emu serve --template: APIs defined outside Events', () => {
  let serve: RunningServe;
  let lambda: LambdaClient;
  before(async () => {
    serve = await startServe(['--template', TEMPLATE], { env: { AWS_REGION: 'us-east-1' } });
    lambda = new LambdaClient({ endpoint: serve.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  after(async () => {
    lambda.destroy();
    await serve.stop();
    assertNoProcessLeft();
  });

  test('start-up lists what is not served, with the reason; the resources read are not "not emulated"', () => {
    const stderr = serve.stderr();
    assert.match(stderr, /^emu: warning: SocketApi: ProtocolType WEBSOCKET is not emulated/m);
    assert.match(stderr, /^emu: warning: ProxiedRoute: route GET \/proxied not served: integration type HTTP_PROXY is not emulated/m);
    assert.match(stderr, /^emu: warning: DefinedApi: not served: GET \/mocked: integration type mock is not emulated/m);
    assert.match(stderr, /^emu: warning: DefinedApi: not served: POST \/elsewhere: its target function not-in-this-template is not one emu runs/m);
    assert.doesNotMatch(stderr, /resources not emulated/);
  });

  test('quick create: Target gives a $default route, payload 2.0, stage $default, no stage variables', async () => {
    const event = await echoedEvent(`${serve.url}/anything/at/all?x=1`, { method: 'PATCH' });
    assert.equal(event.at('who'), 'quick');
    assert.equal(event.at('version'), '2.0');
    assert.equal(event.at('routeKey'), '$default');
    assert.equal(event.at('requestContext.stage'), '$default');
    assert.equal(event.at('rawPath'), '/anything/at/all');
    assert.equal(event.raw.stageVariables, undefined);
  });

  test("quick create: its CorsConfiguration answers the preflight and sets the response's origin", async () => {
    const preflight = await send(`${serve.url}/anything`, { method: 'OPTIONS', headers: ['Origin', ORIGIN, 'Access-Control-Request-Method', 'GET'] });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], ORIGIN);
    const answer = await send(`${serve.url}/anything`, { headers: ['Origin', ORIGIN] });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['access-control-allow-origin'], ORIGIN);
  });

  test('long form: Route + Integration (invoke URI, payload 2.0) on its Stage, with StageVariables', async () => {
    const event = await echoedEvent(`${serve.url}/long/42`);
    assert.equal(event.at('who'), 'long');
    assert.equal(event.at('routeKey'), 'GET /long/{id}');
    assert.deepEqual(event.at('pathParameters'), { id: '42' });
    assert.equal(event.at('requestContext.stage'), 'v1');
    assert.equal(event.at('rawPath'), '/v1/long/42');
    assert.deepEqual(event.at('stageVariables'), { color: 'blue' });
  });

  test('long form: an Integration to a bare function ARN with PayloadFormatVersion 1.0 gives a 1.0 event', async () => {
    const event = await echoedEvent(`${serve.url}/legacy`, { method: 'POST', body: 'hi' });
    assert.equal(event.at('who'), 'long');
    assert.equal(event.at('version'), '1.0');
    assert.equal(event.at('resource'), '/legacy');
    assert.deepEqual(event.at('stageVariables'), { color: 'blue' });
  });

  test("inline DefinitionBody (REST): its aws_proxy operations and the function's own Event, which wins on the same method and path; Variables reach the event", async () => {
    const defined = await echoedEvent(`${serve.url}/defined/7`);
    assert.equal(defined.at('who'), 'defined');
    assert.equal(defined.at('resource'), '/defined/{id}');
    assert.equal(defined.at('requestContext.stage'), 'dev');
    assert.deepEqual(defined.at('stageVariables'), { tier: 'gold' });
    const any = await echoedEvent(`${serve.url}/defined-any`, { method: 'DELETE' });
    assert.equal(any.at('httpMethod'), 'DELETE');
    const fromEvent = await echoedEvent(`${serve.url}/from-event`);
    assert.equal(fromEvent.at('who'), 'defined');
    assert.deepEqual(fromEvent.at('stageVariables'), { tier: 'gold' });
  });

  test('DefinitionUri (a JSON file) and AWS::Include (a YAML file, intrinsics resolved): payloadFormatVersion as written', async () => {
    const file = await echoedEvent(`${serve.url}/file/readme`);
    assert.equal(file.at('who'), 'file');
    assert.equal(file.at('version'), '2.0');
    assert.deepEqual(file.at('pathParameters'), { name: 'readme' });
    assert.deepEqual(file.at('stageVariables'), { mode: 'file' });
    const included = await echoedEvent(`${serve.url}/included`, { method: 'POST' });
    assert.equal(included.at('who'), 'included');
    assert.equal(included.at('version'), '1.0');
    assert.equal(included.at('stageVariables'), null);
  });

  test('AWS::Lambda::Url: the function gets its URL, with the resource’s Cors', async () => {
    const url = serve.functionUrls.find((entry) => entry.functionName === 'UrlFunction')?.url;
    assert.ok(url !== undefined, JSON.stringify(serve.functionUrls));
    const event = await echoedEvent(`${url}/path`, { headers: ['Origin', ORIGIN] });
    assert.equal(event.at('who'), 'url');
    assert.equal(event.at('requestContext.stage'), '$default');
    const answer = await send(`${url}/path`, { headers: ['Origin', ORIGIN] });
    assert.equal(answer.headers['access-control-allow-origin'], ORIGIN);
  });

  const payload = new TextEncoder().encode('{"hello":"names"}');
  const whoAnswered = (bytes: Uint8Array | undefined): unknown => (JSON.parse(JSON.parse(new TextDecoder().decode(bytes)).body as string) as { who: unknown }).who;

  test("Invoke API: logical id, FunctionName, ARN, ARN:$LATEST, partial ARN, name:$LATEST, ?Qualifier=$LATEST", async () => {
    const names = [
      'LongFunction',
      'apis-long',
      'arn:aws:lambda:us-east-1:123456789012:function:apis-long',
      'arn:aws:lambda:us-east-1:123456789012:function:apis-long:$LATEST',
      'arn:aws:lambda:us-east-1:123456789012:function:LongFunction',
      '123456789012:function:apis-long',
      '123456789012:function:apis-long:$LATEST',
      'apis-long:$LATEST',
    ];
    for (const name of names) {
      const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload }));
      assert.equal(out.StatusCode, 200, name);
      assert.equal(whoAnswered(out.Payload), 'long', name);
    }
    const qualified = await lambda.send(new InvokeCommand({ FunctionName: 'apis-long', Qualifier: '$LATEST', Payload: payload }));
    assert.equal(whoAnswered(qualified.Payload), 'long');
  });

  test('Invoke API refusals as AWS words them: unknown alias, qualifiers that disagree, another region', async () => {
    const refusal = async (name: string, qualifier?: string): Promise<{ status: number; type: string; message: string }> => {
      const query = qualifier === undefined ? '' : `?Qualifier=${encodeURIComponent(qualifier)}`;
      const response = await send(`${serve.url}/2015-03-31/functions/${encodeURIComponent(name)}/invocations${query}`, { method: 'POST', body: '{}' });
      return { status: response.status, type: String(response.headers['x-amzn-errortype']), message: response.json<{ Message: string }>().Message };
    };
    assert.deepEqual(await refusal('apis-long:live'), { status: 404, type: 'ResourceNotFoundException', message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:apis-long:live' });
    assert.deepEqual(await refusal('apis-long:$LATEST', '7'), {
      status: 400,
      type: 'InvalidParameterValueException',
      message: 'The derived qualifier from the function name does not match the specified qualifier.',
    });
    assert.deepEqual(await refusal('arn:aws:lambda:eu-west-1:123456789012:function:apis-long'), {
      status: 404,
      type: 'ResourceNotFoundException',
      message: "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
    });
  });
});

describe('reading a definition on an API with Auth', () => {
  test("the API's DefaultAuthorizer guards the definition's routes; one with its own security is named as left open", () => {
    const template = readSamTemplate(`${REPO_ROOT}/test/fixtures/serve-apis/auth.yaml`);
    const routes = template.functions.find((fn) => fn.logicalId === 'RouteFunction')?.routes ?? [];
    const guarded = routes.find((route) => route.path === '/guarded');
    assert.equal(guarded?.auth?.kind, 'lambda');
    assert.equal(guarded?.auth?.name, 'Gate');
    const own = routes.find((route) => route.path === '/own-security');
    assert.ok(own !== undefined && own.auth === undefined, JSON.stringify(routes));
    const warning = "GuardedApi: route GET /own-security is left unprotected: its OpenAPI security is not read (emu takes authorizers from the API's Auth, not from the definition)";
    assert.ok(template.warnings.includes(warning), template.warnings.join('\n'));
  });
});

describe('reading definitions emu cannot serve', () => {
  test('each is named with why, none throws', () => {
    const template = readSamTemplate(`${REPO_ROOT}/test/fixtures/serve-apis/bad.yaml`);
    const dir = path.join(REPO_ROOT, 'test', 'fixtures', 'serve-apis');
    const expected = [
      'NotAMap: not served: its definition is not an OpenAPI document (a map): text',
      `Missing: not served: cannot read its definition ${dir}/missing.yaml: ENOENT`,
      'InS3: not served: its definition is in S3 ({"Bucket":"b","Key":"k"}); emu reads only a local file',
      "NoVersion: not served: GET /v: payloadFormatVersion must be 1.0 or 2.0 for an HTTP API's Lambda integration, got undefined",
      'BadTarget: not served: Target: its target 42 is not a function of this template (it cannot be resolved locally)',
      'BadKey: not served: RouteKey no key is not "METHOD /path" or $default',
      'Orphan: its ApiId nowhere is not an HTTP AWS::ApiGatewayV2::Api of this template; route not served',
      'NoUrl: Function URL not served: its target null is not a function of this template (it cannot be resolved locally)',
    ];
    for (const warning of expected) assert.ok(template.warnings.includes(warning), `${warning}\nnot in:\n${template.warnings.join('\n')}`);
    assert.ok(template.warnings.some((warning) => warning.startsWith(`Broken: not served: its definition ${dir}/broken.yaml is not valid YAML or JSON`)), template.warnings.join('\n'));
    assert.deepEqual(template.functions[0]?.routes, []);
    assert.equal(template.functions[0]?.functionUrl, false);
  });
});

describe('emu serve --template: a definition on an API with a DefaultAuthorizer', () => {
  let serve: RunningServe;
  before(async () => (serve = await startServe(['--template', `${REPO_ROOT}/test/fixtures/serve-apis/auth.yaml`])));
  after(async () => {
    await serve.stop();
    assertNoProcessLeft();
  });

  test("the default authorizer guards the definition's route; one with its own security is open, and named at start", async () => {
    // No Identity: SAM gives the authorizer no identity source, so it runs for every request and denies this one.
    assert.equal((await send(`${serve.url}/guarded`)).status, 403);
    assert.equal((await send(`${serve.url}/guarded`, { headers: ['Authorization', 'yes'] })).status, 200);
    assert.equal((await send(`${serve.url}/own-security`)).status, 200);
    assert.match(serve.stderr(), /^emu: warning: GuardedApi: route GET \/own-security is left unprotected/m);
  });
});
