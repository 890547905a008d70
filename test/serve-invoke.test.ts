// The Lambda Invoke API on emu serve, driven by AWS's own SDK client with --endpoint-url semantics.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { send, SERVE_FIXTURES, startServe, type RunningServe } from './serve-helpers.js';

describe('emu serve: the Invoke API with @aws-sdk/client-lambda', () => {
  let serve: RunningServe;
  let lambda: LambdaClient;
  before(async () => {
    serve = await startServe(['--template', `${SERVE_FIXTURES}/template.yaml`]);
    lambda = new LambdaClient({ endpoint: serve.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  after(async () => {
    lambda.destroy();
    await serve.stop();
  });

  const payload = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
  const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);

  test('RequestResponse: 200, the payload, the executed version; by function name, logical id or ARN', async () => {
    for (const name of ['local-items', 'ItemsFunction', 'arn:aws:lambda:us-east-1:123456789012:function:local-items']) {
      const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload({ hello: 'sdk' }) }));
      assert.equal(out.StatusCode, 200);
      assert.equal(out.ExecutedVersion, '$LATEST');
      assert.equal(out.FunctionError, undefined);
      const result = JSON.parse(text(out.Payload)) as { statusCode: number; body: string };
      assert.deepEqual(JSON.parse(result.body), { hello: 'sdk' });
    }
  });

  test('a function error: still 200, FunctionError Unhandled, the AWS error payload; LogType Tail gives the log tail', async () => {
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: 'ResultsFunction', Payload: payload({ queryStringParameters: { kind: 'throws' } }), LogType: 'Tail' }),
    );
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, 'Unhandled');
    const error = JSON.parse(text(out.Payload)) as { errorType: string; errorMessage: string };
    assert.deepEqual([error.errorType, error.errorMessage], ['Error', 'boom']);
    const log = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
    assert.match(log, /^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/m);
    assert.match(log, /INFO\tresult kind throws/);
    assert.match(log, /^REPORT RequestId: [0-9a-f-]{36}\tDuration: /m);
    assert.ok(Buffer.byteLength(log) <= 4096);
  });

  test('ClientContext reaches the handler decoded; Event is 202 and DryRun 204', async () => {
    const clientContext = Buffer.from(JSON.stringify({ custom: { tenant: 'a' } })).toString('base64');
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'HttpFunction', ClientContext: clientContext, Payload: payload({}) }));
    assert.equal(out.StatusCode, 200);
    const result = JSON.parse(text(out.Payload)) as { headers: Record<string, string> };
    assert.deepEqual(JSON.parse(result.headers['x-client-context'] ?? ''), { custom: { tenant: 'a' } });
    const event = await lambda.send(new InvokeCommand({ FunctionName: 'HttpFunction', InvocationType: 'Event', Payload: payload({}) }));
    assert.equal(event.StatusCode, 202);
    const dry = await lambda.send(new InvokeCommand({ FunctionName: 'HttpFunction', InvocationType: 'DryRun' }));
    assert.equal(dry.StatusCode, 204);
  });

  test('an unknown function is ResourceNotFoundException (404) with AWS message', async () => {
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'Nope' })), (error: unknown) => {
      assert.ok(error instanceof ResourceNotFoundException);
      assert.equal(error.$metadata.httpStatusCode, 404);
      assert.equal(error.message, 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:Nope');
      return true;
    });
  });

  test('a body that is not JSON: 400 InvalidRequestContentException in AWS error shape', async () => {
    const response = await send(`${serve.url}/2015-03-31/functions/HttpFunction/invocations`, { method: 'POST', body: '{nope' });
    assert.equal(response.status, 400);
    assert.equal(response.headers['x-amzn-errortype'], 'InvalidRequestContentException');
    assert.equal(response.json().Type, 'User');
    const big = await send(`${serve.url}/2015-03-31/functions/HttpFunction/invocations`, { method: 'POST', body: `"${'x'.repeat(6 * 1024 * 1024)}"` });
    assert.equal(big.status, 413);
    assert.equal(big.headers['x-amzn-errortype'], 'RequestTooLargeException');
  });
});
