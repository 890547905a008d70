// Issue #20 row 8: the init re-run must not be reached by the killed process. A runtime sends its
// first /next just before AWS's 10 s init limit, while the supervisor is too busy to read it (here:
// its event loop held for 1.5 s, as a loaded 2-core machine did). When the supervisor wakes, the
// limit's timer runs first (timers before I/O), kills the runtime and starts the re-run; the old
// /next is still waiting to be read. Read on the same Runtime API server, it ended the re-run's
// "init", took its event into a dead connection, and the re-run's own /next got 403 (it exits 1:
// Runtime.ExitError, exit status 1, as the fault matrix saw under load).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, FIXTURES, withEmulator } from './helpers.js';

test('a first /next the supervisor reads only after the init limit cannot reach the re-run', async () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'emu-init-race-'));
  try {
    const options = {
      handler: 'fake.handler',
      runtimeClient: path.join(FIXTURES, 'fake-runtimes', 'late-first-next.mjs'),
      timeoutSeconds: 5,
      env: { FAKE_STATE_FILE: path.join(scratch, 'started') },
    };
    await withEmulator(options, async ({ emulator, output, warnings }) => {
      const pending = emulator.invoke({ n: 1 });
      assert.ok(await eventually(() => output().includes('first started'), 10_000), output());
      // The fake asks at +9.2 s; the limit falls at +10 s after the spawn (a little before "started").
      // Held from +9.0 s to +10.5 s, the supervisor meets both at once when it wakes.
      await new Promise((resolve) => setTimeout(resolve, 9000));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
      const result = await pending;
      assert.equal(warnings.filter((message) => /init took longer than AWS's 10 s limit/.test(message)).length, 1, warnings.join('\n'));
      assert.equal(result.status, 'ok', `${result.payloadJson}\n${output()}`);
      assert.deepEqual(result.payload, { rerun: true, event: { n: 1 } });
      assert.doesNotMatch(output(), /\/next answered/);
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
