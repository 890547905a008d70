// Both ways of measuring peak RSS against a real process whose memory we control.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { createPeakRssProbe, type PeakRssMethod } from '../src/measure/index.js';
import { assertNoProcessLeft, eventually } from './helpers.js';

const MB = 1024 * 1024;

for (const method of ['proc-vmhwm', 'pidusage-sampling'] as PeakRssMethod[]) {
  test(`${method}: sees a process holding 150 MB, and reports undefined once it is gone`, async () => {
    const child = spawn(process.execPath, ['-e', 'globalThis.b = Buffer.alloc(150 * 1024 * 1024, 1); console.log("ready"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'ignore'], env: {} });
    try {
      await new Promise((resolve) => child.stdout.once('data', resolve));
      const probe = createPeakRssProbe(child.pid as number, method);
      assert.equal(probe.method, method);
      probe.reset();
      assert.ok(await eventually(() => (probe.readPeakBytes() ?? 0) > 150 * MB, 3000), `peak ${(probe.readPeakBytes() ?? 0) / MB} MB`);
      assert.ok((probe.readPeakBytes() ?? 0) < 300 * MB);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(probe.readPeakBytes(), undefined, 'a reaped process has no peak');
      probe.stop();
    } finally {
      child.kill('SIGKILL');
    }
    assertNoProcessLeft();
  });
}
