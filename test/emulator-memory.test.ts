// Peak memory measured from outside the sandbox, per invocation, and the memory limit enforced.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, MODES, withEmulator } from './helpers.js';

const MB = 1024 * 1024;

for (const mode of MODES) {
  describe(`memory (${mode})`, () => {
    test('a 200 MB spike lasting 5 ms is reported within 10% of the truth; a later invocation reports its own peak', async () => {
      await withEmulator({ handler: 'memory.spike', mode, memoryMb: 1024 }, async ({ emulator }) => {
        // The truth: what the sandbox holds at rest, plus the 200 MB it touched.
        const baseline = await emulator.invoke({ mb: 0 });
        const baselineBytes = baseline.metrics.peakRssBytes ?? 0;
        assert.ok(baselineBytes > 10 * MB && baselineBytes < 120 * MB, `baseline ${baselineBytes / MB} MB`);
        const spike = await emulator.invoke({ mb: 200 });
        assert.equal(spike.status, 'ok');
        const truth = baselineBytes + 200 * MB;
        const reported = spike.metrics.peakRssBytes ?? 0;
        assert.ok(Math.abs(reported - truth) <= truth * 0.1, `reported ${(reported / MB).toFixed(1)} MB, truth ${(truth / MB).toFixed(1)} MB`);
        assert.equal(spike.metrics.peakRssMethod, 'proc-vmhwm');
        assert.equal(spike.metrics.maxMemoryUsedMb, Math.ceil(reported / MB));
        const after = await emulator.invoke({ mb: 0 });
        assert.ok((after.metrics.peakRssBytes ?? 0) < reported - 150 * MB, `the next peak is its own: ${(after.metrics.peakRssBytes ?? 0) / MB} MB`);
      });
    });

    test('passing the memory limit fails with Runtime.OutOfMemory and the sandbox is replaced', async () => {
      await withEmulator({ handler: 'memory.grows', mode, memoryMb: 128 }, async ({ emulator }) => {
        const result = await emulator.invoke({});
        assert.equal(result.error?.errorType, 'Runtime.OutOfMemory');
        assert.equal(result.metrics.sandboxLost, true);
        assert.ok((result.metrics.maxMemoryUsedMb ?? 0) >= 128, `Max Memory Used ${result.metrics.maxMemoryUsedMb} MB`);
      });
    });

    test('a peak over the limit seen only at the end still fails the invocation', async () => {
      await withEmulator({ handler: 'memory.spike', mode, memoryMb: 128 }, async ({ emulator }) => {
        const result = await emulator.invoke({ mb: 150 });
        assert.equal(result.error?.errorType, 'Runtime.OutOfMemory');
        const next = await emulator.invoke({ mb: 0 });
        assert.equal(next.status, 'ok');
      });
    });

    test('a peak over the limit made during init, with the answer at once, fails every cold start', async () => {
      // Only the check made when the answer arrives can see it: the poll starts with the invocation.
      await withEmulator({ handler: 'peak-before-answer.handler', mode, memoryMb: 128, env: { PEAK_AT_INIT: '1' } }, async ({ emulator }) => {
        for (let i = 0; i < 6; i++) {
          const result = await emulator.invoke({});
          assert.equal(result.error?.errorType, 'Runtime.OutOfMemory', `invocation ${i + 1}: ${result.payloadJson}`);
          assert.equal(result.metrics.coldStart, true, 'each on a new sandbox: the one past its limit is replaced');
          assert.ok((result.metrics.maxMemoryUsedMb ?? 0) > 150, `Max Memory Used ${result.metrics.maxMemoryUsedMb} MB holds the init peak`);
        }
      });
    });
  });
}

test('warm: memory taken between invocations and answered at once fails the next invocation', async () => {
  await withEmulator({ handler: 'peak-before-answer.handler', mode: 'warm', memoryMb: 128 }, async ({ emulator, output }) => {
    for (let i = 0; i < 4; i++) {
      const first = await emulator.invoke({});
      assert.equal(first.status, 'ok', first.payloadJson);
      const { pid } = first.payload as { pid: number };
      // Only now, with no invocation running (no poll), does the sandbox take 150 MB.
      const holding = output().split('holding').length;
      process.kill(pid, 'SIGUSR2');
      assert.ok(await eventually(() => output().split('holding').length > holding, 5000), 'the sandbox took the memory');
      const next = await emulator.invoke({});
      assert.equal(next.error?.errorType, 'Runtime.OutOfMemory', `round ${i + 1}: ${next.payloadJson} (${next.metrics.durationMs} ms)`);
      assert.equal(next.metrics.coldStart, false);
      assert.ok((next.metrics.maxMemoryUsedMb ?? 0) > 150, `Max Memory Used ${next.metrics.maxMemoryUsedMb} MB`);
    }
  });
});
