// `emu serve --template`: SAM routing, Globals and parameters, response mapping and API Gateway's error answers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertNoProcessLeft, eventually } from './helpers.js';
import { echoedEvent, send, SERVE_FIXTURES, startServe, type RunningServe } from './serve-helpers.js';

const TEMPLATE = `${SERVE_FIXTURES}/template.yaml`;

describe('emu serve --template: routes, events, responses', () => {
  let serve: RunningServe;
  before(async () => (serve = await startServe(['--template', TEMPLATE, '--parameter-overrides', 'Greeting=hi', 'Stage=test'])));
  after(() => serve.stop());

  test('start-up lists the routes, the Function URL, what is skipped and what is not supported', () => {
    const stderr = serve.stderr();
    assert.match(stderr, /GET +http:\/\/127\.0\.0\.1:\d+\/items\/\{id\} → local-items \(REST API, payload 1\.0\)/);
    assert.match(stderr, /Function URL http:\/\/127\.0\.0\.1:\d+\/ → BareFunction/);
    assert.match(stderr, /^emu: skipped JavaFunction: Runtime java21 is not one emu runs \(Node\.js, Python 3, provided\.al2023, provided\.al2\)$/m);
    assert.match(stderr, /^emu: warning: ResultsFunction: layer "arn:aws:lambda:us-east-1:123456789012:layer:shared:1" is not a local AWS::Serverless::LayerVersion/m);
    assert.match(stderr, /^emu: warning: ItemsFunction: event 'Queue' \(SQS\) is not emulated/m);
  });

  test('a REST route: {id} path parameter, Prod stage, Globals and parameters in the environment', async () => {
    const event = await echoedEvent(`${serve.url}/items/42`);
    assert.equal(event.at('resource'), '/items/{id}');
    assert.deepEqual(event.at('pathParameters'), { id: '42' });
    assert.equal(event.at('requestContext.stage'), 'Prod');
    assert.equal(event.at('requestContext.path'), '/Prod/items/42');
    const list = await echoedEvent(`${serve.url}/items`);
    assert.equal(list.at('resource'), '/items');
    assert.equal(list.at('pathParameters'), null);
  });

  test('greedy {proxy+} takes the rest of the path; ANY accepts any method', async () => {
    const event = await echoedEvent(`${serve.url}/rest/a/b/c`, { method: 'DELETE' });
    assert.deepEqual(event.at('pathParameters'), { proxy: 'a/b/c' });
    assert.equal(event.at('httpMethod'), 'DELETE');
  });

  test('an HttpApi route: 2.0 event with its route key and decoded path parameters; PayloadFormatVersion 1.0 gives a 1.0 event', async () => {
    const event = await echoedEvent(`${serve.url}/users/a%20b`);
    assert.equal(event.at('routeKey'), 'GET /users/{userId}');
    assert.equal(event.at('requestContext.routeKey'), 'GET /users/{userId}');
    assert.deepEqual(event.at('pathParameters'), { userId: 'a b' });
    const legacy = await echoedEvent(`${serve.url}/legacy/7`);
    assert.equal(legacy.at('version'), '1.0');
    assert.equal(legacy.at('resource'), '/legacy/{id}');
    assert.deepEqual(legacy.at('multiValueHeaders.Host'), [new URL(serve.url).host]);
  });

  test('no route: HTTP API 404 {"message":"Not Found"}; a known path with the wrong method too', async () => {
    for (const [method, path] of [['GET', '/nowhere'], ['DELETE', '/users/1']] as const) {
      const response = await send(`${serve.url}${path}`, { method });
      assert.equal(response.status, 404);
      assert.deepEqual(response.json(), { message: 'Not Found' });
    }
  });

  test('2.0 results: a bare value is its JSON text (quotes kept); statusCode, cookies and base64 bodies are applied', async () => {
    const string = await send(`${serve.url}/results?kind=string`);
    assert.equal(string.status, 200);
    assert.equal(string.headers['content-type'], 'application/json');
    assert.equal(string.text, '"Hello, world!"');
    assert.equal((await send(`${serve.url}/results?kind=number`)).text, '42');
    assert.equal((await send(`${serve.url}/results?kind=object`)).text, '{"hello":"world"}');
    const noStatus = await send(`${serve.url}/results?kind=no-status`);
    assert.deepEqual([noStatus.status, noStatus.text], [200, '{"body":"no status code"}']);
    const cookies = await send(`${serve.url}/results?kind=cookies`);
    assert.deepEqual([cookies.status, cookies.text, cookies.headers['x-one']], [201, 'made', 'a']);
    assert.deepEqual(cookies.headers['set-cookie'], ['a=1; Path=/', 'b=2']);
    const binary = await send(`${serve.url}/results?kind=binary`);
    assert.deepEqual([...binary.body], [0x89, 0x50, 0x4e, 0x47, 0, 255]);
    assert.equal(binary.headers['content-type'], 'image/png');
  });

  test('1.0 results: headers and multiValueHeaders merged; base64 decoded for a binary media type only', async () => {
    const multi = await send(`${serve.url}/rest-results?kind=multi`);
    assert.equal(multi.status, 200);
    assert.equal(multi.headers['x-same'], 'x, y');
    assert.deepEqual(multi.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(multi.text, 'multi');
    const binary = await send(`${serve.url}/rest-results?kind=binary`, { headers: ['Accept', 'image/png'] });
    assert.deepEqual([...binary.body], [0x89, 0x50, 0x4e, 0x47, 0, 255]);
  });

  test('malformed results, a function error and a timeout: 502 {"message":"Internal server error"} and the reason on stderr', async () => {
    const cases = [
      ['/results?kind=bad-status', /statusCode must be an integer/],
      ['/results?kind=bad-body', /body must be a string/],
      ['/rest-results?kind=extra-key', /unexpected key\(s\) in the result: unexpected/],
      ['/rest-results?kind=no-status', /statusCode must be an integer/],
      ['/results?kind=throws', /the function failed \(API Gateway answers 502\): Error: boom/],
      ['/rest-results?kind=hangs', /Sandbox\.Timedout: RequestId: \S+ Error: Task timed out after 1\.00 seconds/],
    ] as const;
    for (const [path, reason] of cases) {
      const response = await send(`${serve.url}${path}`);
      assert.equal(response.status, 502, path);
      assert.deepEqual(response.json(), { message: 'Internal server error' }, path);
      assert.equal(response.headers['content-type'], 'application/json');
      assert.ok(await eventually(() => reason.test(serve.stderr())), `${path}: ${serve.stderr()}`);
    }
  });

  test("the function's logs reach stderr tagged with its name", async () => {
    await send(`${serve.url}/results?kind=object`);
    assert.ok(await eventually(() => /^\[ResultsFunction\] \S+\t[0-9a-f-]{36}\tINFO\tresult kind object$/m.test(serve.stderr())));
  });

  test('a Function URL: its own port, a 2.0 event with $default route and stage', async () => {
    const [fnUrl] = serve.functionUrls;
    assert.ok(fnUrl !== undefined);
    const event = await echoedEvent(`${fnUrl.url}/any/path?x=1`, { method: 'POST', headers: ['Content-Type', 'text/plain'], body: 'hi' });
    assert.equal(event.at('version'), '2.0');
    assert.equal(event.at('routeKey'), '$default');
    assert.equal(event.at('rawPath'), '/any/path');
    assert.equal(event.at('requestContext.stage'), '$default');
    assert.equal(event.at('requestContext.http.method'), 'POST');
    assert.equal(event.at('body'), 'hi');
    assert.equal(event.at('pathParameters'), undefined);
  });
});

describe('emu serve --template with REST routes only', () => {
  let serve: RunningServe;
  before(async () => (serve = await startServe(['--template', `${SERVE_FIXTURES}/rest-only.yaml`])));
  after(() => serve.stop());

  test('no route: 403 {"message":"Missing Authentication Token"}, as a REST API answers', async () => {
    const response = await send(`${serve.url}/missing`);
    assert.equal(response.status, 403);
    assert.deepEqual(response.json(), { message: 'Missing Authentication Token' });
    assert.equal((await send(`${serve.url}/only`)).status, 200);
  });
});

describe('emu serve --template: layers', () => {
  test("a function requires a package from the template's local LayerVersion, used in place", async () => {
    const serve = await startServe(['--template', `${SERVE_FIXTURES}/layered/template.yaml`, '--no-credentials']);
    try {
      const response = await send(`${serve.url}/hello`);
      assert.equal(response.status, 200, serve.stderr());
      assert.equal(response.text, '"hello from the layer"');
      assert.match(serve.stderr(), /layer:published:3.*--layer DIR/);
    } finally {
      await serve.stop();
    }
  });
});

describe('emu serve --template: the options a template function gets', () => {
  const OPTIONS_TEMPLATE = `${SERVE_FIXTURES}/../options/template.yaml`;
  const scratch = mkdtempSync(path.join(tmpdir(), 'emu-serve-options-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** Past a minute emu serve gets SIGTERM: a request that never answers then fails instead of hanging the suite. */
  function watchdog(serve: RunningServe): () => void {
    const timer = setTimeout(() => process.kill(serve.pid, 'SIGTERM'), 60_000);
    return () => clearTimeout(timer);
  }

  /** test/fixtures/options/observe.mjs through the Invoke API: what the function saw. */
  async function observe(serve: RunningServe): Promise<{ memoryLimitInMB: string; memorySizeVariable: string; remainingTimeMs: number; env: Record<string, string> }> {
    const response = await send(`${serve.url}/2015-03-31/functions/observer/invocations`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 200, `${response.text}\n${serve.stderr()}`);
    return response.json();
  }

  /** `count` requests at once to test/fixtures/options/barrier.mjs: the pids of the sandboxes that answered. */
  async function concurrentPids(serve: RunningServe, count: number, arrivals: number): Promise<Set<number>> {
    const dir = mkdtempSync(path.join(scratch, 'barrier-'));
    const body = JSON.stringify({ dir, count: arrivals });
    const responses = await Promise.all(Array.from({ length: count }, () => send(`${serve.url}/2015-03-31/functions/barrier/invocations`, { method: 'POST', body })));
    for (const response of responses) assert.equal(response.status, 200, `${response.text}\n${serve.stderr()}`);
    return new Set(responses.map((response) => response.json<{ pid: number }>().pid));
  }

  test("no flag: the template's MemorySize, Timeout, Environment (a parameter's default through !Ref) and one sandbox", async () => {
    const serve = await startServe(['--template', OPTIONS_TEMPLATE, '--no-credentials']);
    const cancel = watchdog(serve);
    try {
      const seen = await observe(serve);
      assert.deepEqual([seen.memoryLimitInMB, seen.memorySizeVariable], ['384', '384']);
      assert.ok(seen.remainingTimeMs > 3000 && seen.remainingTimeMs <= 12_000, `Timeout 12: ${seen.remainingTimeMs} ms left`);
      assert.deepEqual(seen.env, { COLOUR: 'blue', SHARED: 'from the template', TEMPLATE_ONLY: 'kept' });
      // Each request needs only itself: with one sandbox they take turns in it.
      assert.equal((await concurrentPids(serve, 2, 1)).size, 1);
    } finally {
      cancel();
      await serve.stop();
    }
    assertNoProcessLeft();
  });

  test('--parameter-overrides reach the Environment, -t and -m override Timeout and MemorySize, --env a variable, -c N gives N sandboxes', async () => {
    const serve = await startServe(['--template', OPTIONS_TEMPLATE, '--no-credentials', '--parameter-overrides', 'Colour=red', '-t', '40', '-m', '640', '--env', 'SHARED=from --env', '-c', '3']);
    const cancel = watchdog(serve);
    try {
      const seen = await observe(serve);
      assert.deepEqual([seen.memoryLimitInMB, seen.memorySizeVariable], ['640', '640']);
      assert.ok(seen.remainingTimeMs > 12_000 && seen.remainingTimeMs <= 40_000, `-t 40 over Timeout 12: ${seen.remainingTimeMs} ms left`);
      assert.deepEqual(seen.env, { COLOUR: 'red', SHARED: 'from --env', TEMPLATE_ONLY: 'kept' });
      // Each request waits until three sandboxes have arrived: only three at once can answer.
      assert.equal((await concurrentPids(serve, 3, 3)).size, 3);
    } finally {
      cancel();
      await serve.stop();
    }
    assertNoProcessLeft();
  });
});
