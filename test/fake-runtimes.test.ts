// Runtime clients that break the protocol: emu answers as AWS's Runtime API does, never hangs, and replaces them.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, withEmulator } from './helpers.js';

const fake = (name: string): string => path.join(FIXTURES, 'fake-runtimes', `${name}.mjs`);

describe('misbehaving runtime clients', () => {
  test('a second answer for the same request gets 403 InvalidStateTransition (as RIE) and changes nothing', async () => {
    await withEmulator({ handler: 'fake.handler', runtimeClient: fake('answers-twice') }, async ({ emulator, output }) => {
      const first = await emulator.invoke({ n: 1 });
      const second = await emulator.invoke({ n: 2 });
      assert.deepEqual(first.payload, { answer: 'first', n: 1 });
      assert.deepEqual(second.payload, { answer: 'first', n: 2 });
      assert.equal(second.metrics.coldStart, false, 'the same sandbox goes on serving');
      assert.match(output(), /statuses 202 403/);
    });
  });

  // One test for both faults: each leaves its invocation unanswered, so it times out and the sandbox is replaced.
  for (const [name, what, logged] of [
    ['wrong-request-id', 'an answer for a wrong request id (400)', /wrong id status 400/],
    ['posts-garbage', 'bytes that are not HTTP on the Runtime API connection', /^/],
  ] as const) {
    test(`${what}: the supervisor carries on, the invocation times out and the sandbox is replaced`, async () => {
      await withEmulator({ handler: 'fake.handler', runtimeClient: fake(name), timeoutSeconds: 1 }, async ({ emulator, output }) => {
        const result = await emulator.invoke({});
        assert.equal(result.error?.errorType, 'Sandbox.Timedout');
        assert.match(output(), logged);
        const again = await emulator.invoke({});
        assert.equal(again.error?.errorType, 'Sandbox.Timedout');
        assert.equal(again.metrics.coldStart, true, 'a new sandbox');
      });
    });
  }

  test('a body that is not JSON is passed through verbatim as the payload', async () => {
    await withEmulator({ handler: 'fake.handler', runtimeClient: fake('non-json-answer') }, async ({ emulator }) => {
      const result = await emulator.invoke({});
      assert.equal(result.status, 'ok');
      assert.equal(result.payloadJson, 'plain text, not JSON');
    });
  });
});
