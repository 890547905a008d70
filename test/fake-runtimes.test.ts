// Runtime clients that break the protocol: emu answers as AWS's Runtime API does, never hangs, and replaces them.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, withEmulator } from './helpers.js';

const fake = (name: string): string => path.join(FIXTURES, 'fake-runtimes', `${name}.mjs`);

describe('misbehaving runtime clients', () => {
  test('a second answer for the same request gets 400 and changes nothing', async () => {
    await withEmulator({ handler: 'fake.handler', runtimeClient: fake('answers-twice') }, async ({ emulator, output }) => {
      const first = await emulator.invoke({ n: 1 });
      const second = await emulator.invoke({ n: 2 });
      assert.deepEqual(first.payload, { answer: 'first', n: 1 });
      assert.deepEqual(second.payload, { answer: 'first', n: 2 });
      assert.equal(second.metrics.coldStart, false, 'the same sandbox goes on serving');
      assert.match(output(), /statuses 202 400/);
    });
  });

  test('an answer for a wrong request id gets 400; the invocation then times out and the sandbox is replaced', async () => {
    await withEmulator({ handler: 'fake.handler', runtimeClient: fake('wrong-request-id'), timeoutSeconds: 1 }, async ({ emulator, output }) => {
      const result = await emulator.invoke({});
      assert.equal(result.error?.errorType, 'Sandbox.Timedout');
      assert.match(output(), /wrong id status 400/);
      const again = await emulator.invoke({});
      assert.equal(again.metrics.coldStart, true);
    });
  });

  test('bytes that are not HTTP do not disturb the supervisor; the invocation times out', async () => {
    await withEmulator({ handler: 'fake.handler', runtimeClient: fake('posts-garbage'), timeoutSeconds: 1 }, async ({ emulator }) => {
      const result = await emulator.invoke({});
      assert.equal(result.error?.errorType, 'Sandbox.Timedout');
    });
  });

  test('a body that is not JSON is passed through verbatim as the payload', async () => {
    await withEmulator({ handler: 'fake.handler', runtimeClient: fake('non-json-answer') }, async ({ emulator }) => {
      const result = await emulator.invoke({});
      assert.equal(result.status, 'ok');
      assert.equal(result.payloadJson, 'plain text, not JSON');
    });
  });

  test('a runtime that never calls /next is ended after the init limit plus the timeout', async () => {
    await withEmulator({ handler: 'fake.handler', runtimeClient: fake('never-calls-next'), timeoutSeconds: 1 }, async ({ emulator }) => {
      const result = await emulator.invoke({});
      assert.equal(result.error?.errorType, 'Sandbox.Timedout');
      assert.ok(result.metrics.callerLatencyMs >= 10_000 && result.metrics.callerLatencyMs < 20_000, `${result.metrics.callerLatencyMs} ms`);
    });
  });
});
