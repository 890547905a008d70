// The Runtime API's state machine as AWS's runtime interface emulator (RIE) has it, one test per
// case of docs/runtime-api-state-machine.md: a real runtime client process (raw node:http) in a
// real sandbox walks the case and prints every answer it got; the invocation's result is checked too.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import path from 'node:path';
import { describe, test } from 'node:test';
import { RuntimeApiServer } from '../src/runtime-api/runtime-api-server.js';
import { eventually, FIXTURES, withEmulator, type TestEmulator } from './helpers.js';

const RIE_CASES = path.join(FIXTURES, 'fake-runtimes', 'rie-cases.mjs');

interface Answer {
  status: number;
  headers: { contentType?: string; allow?: string; requestId?: string; deadlineMs?: string };
  body: string;
}

/** The answer the runtime client printed for one step, waited for (its output travels through a pipe). */
async function answerTo(t: TestEmulator, step: string): Promise<Answer> {
  const line = new RegExp(`^rie ${step} (\\d+) (\\{.*\\}) (".*")$`, 'm');
  await eventually(() => line.test(t.output()), 5000);
  const match = line.exec(t.output());
  assert.ok(match !== null, `the runtime client printed no answer for "${step}":\n${t.output()}`);
  return { status: Number(match[1]), headers: JSON.parse(match[2] as string) as Answer['headers'], body: JSON.parse(match[3] as string) as string };
}

function stateError(from: string, to: string): unknown {
  return { errorType: 'InvalidStateTransition', errorMessage: `State transition from ${from} to ${to} failed for runtime. Error: State transition is not allowed` };
}

function rieCase(name: string, fn: (t: TestEmulator) => Promise<void>, timeoutSeconds = 10): Promise<void> {
  return withEmulator({ handler: `${name}.handler`, runtimeClient: RIE_CASES, timeoutSeconds }, fn);
}

describe('Runtime API state machine, as RIE has it', () => {
  test('a second /response for the same id before the next /next: 403 InvalidStateTransition; the first answer stands', async () => {
    await rieCase('second-response', async (t) => {
      const result = await t.emulator.invoke({});
      assert.deepEqual(result.payload, { answer: 'first' });
      assert.equal((await answerTo(t, 'first')).status, 202);
      const second = await answerTo(t, 'second');
      assert.equal(second.status, 403);
      assert.deepEqual(JSON.parse(second.body), stateError('RuntimeResponseSentState', 'InvocationResponse'));
      const again = await t.emulator.invoke({});
      assert.deepEqual(again.payload, { answer: 'first' }, 'the sandbox goes on serving');
      assert.equal(again.metrics.coldStart, false);
    });
  });

  test('/next while an invocation is in flight: 200 with the same event, id and deadline again', async () => {
    await rieCase('next-in-flight', async (t) => {
      const result = await t.emulator.invoke({ n: 7 });
      assert.equal(result.status, 'ok');
      assert.deepEqual(result.payload, { answered: true });
      const first = await answerTo(t, 'first-next');
      const again = await answerTo(t, 'again');
      assert.equal(again.status, 200);
      assert.equal(again.body, '{"n":7}');
      assert.equal(again.headers.requestId, result.requestId);
      assert.equal(again.headers.deadlineMs, first.headers.deadlineMs, 'the deadline was fixed when the event first went out');
    });
  });

  test('/init/error after init: 403 InvalidStateTransition and the invocation in flight goes on', async () => {
    await rieCase('init-error-after-init', async (t) => {
      const result = await t.emulator.invoke({});
      assert.equal(result.status, 'ok', JSON.stringify(result.payload));
      assert.deepEqual(result.payload, { answered: true });
      const answer = await answerTo(t, 'init-error');
      assert.equal(answer.status, 403);
      assert.deepEqual(JSON.parse(answer.body), stateError('Running', 'InitError'));
      assert.equal((await t.emulator.invoke({})).metrics.coldStart, false, 'the sandbox was not reset');
    });
  });

  test('/init/error twice during init: the first 202, the second 403 InvalidStateTransition from InitError', async () => {
    // Not through a sandbox: emu ends a sandbox at its first init error, so no runtime lives to post a second.
    const errorTypes: string[] = [];
    const server = new RuntimeApiServer({
      onNext: () => {},
      onDelivered: () => {},
      onResponse: () => {},
      onError: () => {},
      onInitError: (_body, errorType) => void errorTypes.push(errorType),
      onResponseTooLarge: () => {},
      onResponseStream: (_id, stream) => stream.discard(),
    });
    const address = await server.listen();
    try {
      const headers = { 'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError' };
      assert.equal((await post(address, 'init/error', '{}', headers)).status, 202);
      const second = await post(address, 'init/error', '{}', headers);
      assert.equal(second.status, 403);
      assert.deepEqual(JSON.parse(second.body), stateError('InitError', 'InitError'));
      assert.deepEqual(errorTypes, ['Runtime.ImportModuleError'], 'only the first is reported, with the header\'s type');
    } finally {
      server.close();
    }
  });

  test('/error: the platform\'s error type comes from Lambda-Runtime-Function-Error-Type, validated as RIE does; the invoker gets the body', async () => {
    await rieCase('error-post', async (t) => {
      const post = (errorTypeHeader: string | undefined, body: string) => t.emulator.invoke({ contentType: 'text/plain', errorTypeHeader, body });
      const valid = await post('Function.MyFailure', 'plain text');
      assert.equal(valid.status, 'error');
      assert.equal(valid.payloadJson, 'plain text', 'the body, verbatim');
      assert.equal(valid.error?.errorType, 'Function.MyFailure', 'a body with no errorType: the header\'s');
      assert.equal((await post('Function.lowercase', 'x')).error?.errorType, 'Function.Unknown');
      assert.equal((await post('MyFailure', 'x')).error?.errorType, 'Runtime.Unknown');
      assert.equal((await post(undefined, '{"errorMessage":"m"}')).error?.errorType, 'Runtime.Unknown');
      const withBodyType = await post('Runtime.Unknown', '{"errorType":"TypeError","errorMessage":"m"}');
      assert.deepEqual(withBodyType.payload, { errorType: 'TypeError', errorMessage: 'm' }, 'what the invoker gets is the body');
      assert.equal((await answerTo(t, 'error')).status, 202);
    });
  });

  test('/error as application/vnd.aws.lambda.error.cause+json: the invoker gets errorMessage, errorType and stackTrace only', async () => {
    await rieCase('error-post', async (t) => {
      const contentType = 'application/vnd.aws.lambda.error.cause+json';
      const cause = { errorMessage: 'm <b>', errorType: 'E', stackTrace: ['at f'], errorCause: { paths: [], working_directory: '/', exceptions: [] }, extra: 1 };
      const result = await t.emulator.invoke({ contentType, body: JSON.stringify(cause) });
      assert.equal(result.payloadJson, '{"errorMessage":"m \\u003cb\\u003e","errorType":"E","stackTrace":["at f"]}');
      assert.deepEqual(result.error, { errorType: 'E', errorMessage: 'm <b>', stackTrace: ['at f'] });
      const invalid = await t.emulator.invoke({ contentType, body: '{"errorMessage": 42}' });
      assert.equal(invalid.payloadJson, '"Invalid error body"');
    });
  });

  test('a response mode other than streaming: 400 InvalidFunctionResponseMode, the invocation fails with an empty payload, the runtime can take no more (streaming: accepted, 202)', async () => {
    await rieCase('response-mode', async (t) => {
      const streaming = await t.emulator.invoke({ mode: 'streaming' });
      assert.equal(streaming.status, 'ok', 'a streamed response is accepted, as RIE accepts it');
      assert.equal(streaming.payloadJson, '{"answered":true}', 'the streamed body, whole, for a plain invoke');
      assert.equal((await answerTo(t, 'response-streaming')).status, 202);
      const result = await t.emulator.invoke({ mode: 'buffered' });
      assert.equal(result.metrics.coldStart, false);
      assert.equal(result.status, 'error');
      assert.equal(result.payloadJson, '', 'RIE sends the invoker an empty error payload');
      assert.equal(result.error?.errorType, 'Runtime.InvalidResponseModeHeader');
      const answer = await answerTo(t, 'response-buffered');
      assert.equal(answer.status, 400);
      assert.deepEqual(JSON.parse(answer.body), { errorType: 'InvalidFunctionResponseMode', errorMessage: 'Invalid function response mode' });
      const next = await answerTo(t, 'next-after');
      assert.equal(next.status, 403);
      assert.deepEqual(JSON.parse(next.body), stateError('InvocationResponse', 'Ready'));
      const replaced = await t.emulator.invoke({ mode: 'buffered' });
      assert.equal(replaced.metrics.coldStart, true, 'that runtime exited: a new sandbox takes the next invocation');
    });
  });

  test('unknown route: Go\'s plain-text 404; a known route with the wrong method: chi\'s 405 with Allow and no body', async () => {
    await rieCase('unknown-route', async (t) => {
      assert.equal((await t.emulator.invoke({})).status, 'ok');
      const unknown = await answerTo(t, 'unknown-route');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.headers.contentType, 'text/plain; charset=utf-8');
      assert.equal(unknown.body, '404 page not found\n');
      const wrong = await answerTo(t, 'wrong-method');
      assert.equal(wrong.status, 405);
      assert.equal(wrong.headers.allow, 'GET');
      assert.equal(wrong.body, '');
    });
  });
});

function post(address: string, route: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method: 'POST', path: `/2018-06-01/runtime/${route}`, headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to POST ${route}`)));
    req.on('error', reject);
    req.end(body);
  });
}
