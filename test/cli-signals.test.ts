// SIGINT, SIGTERM and SIGHUP sent to the real CLI while a handler hangs: `emu run` and `emu run --stream`
// exit 130 (interrupted), `emu serve` exits 0 (a signal is how a server is stopped); a stream still
// writes one line per event it read; no sandbox or other process is left.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { assertNoProcessLeft, eventually, FIXTURES, isAlive, runEmu } from './helpers.js';
import { send, startServe } from './serve-helpers.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const scratch = mkdtempSync(path.join(tmpdir(), 'emu-signals-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Waits until the hanging handler has written its sandbox's pid. */
async function sandboxStarted(pidFile: string): Promise<number> {
  assert.ok(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 30_000), 'the handler started');
  return Number(readFileSync(pidFile, 'utf8'));
}

/** Starts `emu` with a hanging handler, sends the signal once it runs, and returns the run and the sandbox's pid. */
async function interrupted(args: string[], pidFile: string, signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string; sandboxPid: number }> {
  let cliPid = 0;
  const running = runEmu([...args, '--code-dir', FIXTURES, '-t', '60', '--env', `PID_FILE=${pidFile}`], { onSpawn: (pid) => (cliPid = pid), timeoutMs: 60_000 });
  const sandboxPid = await sandboxStarted(pidFile);
  process.kill(cliPid, signal);
  return { ...(await running), sandboxPid };
}

describe('signals on the real CLI', () => {
  for (const signal of SIGNALS) {
    test(`${signal} on a one-shot emu run: exit 130, "interrupted", the sandbox ended`, async () => {
      const run = await interrupted(['run', 'pid-then-hang.handler'], path.join(scratch, `run-${signal}.pid`), signal);
      assert.equal(run.code, 130, run.stderr);
      assert.match(run.stderr, /^emu: interrupted$/m);
      assert.ok(await eventually(() => !isAlive(run.sandboxPid)), `sandbox ${run.sandboxPid} survived`);
      assertNoProcessLeft();
    });

    test(`${signal} on emu run --stream: exit 130, one output line per event read, the sandbox ended`, async () => {
      const events = path.join(scratch, `events-${signal}.ndjson`);
      writeFileSync(events, '{"n":1}\n{"n":2}\n{"n":3}\n');
      const run = await interrupted(['run', 'pid-then-hang.handler', events, '--stream'], path.join(scratch, `stream-${signal}.pid`), signal);
      assert.equal(run.code, 130, run.stderr);
      const read = /^emu: interrupted after (\d+) events read; each has its output line$/m.exec(run.stderr);
      assert.ok(read !== null, run.stderr);
      const lines = run.stdout.split('\n').filter((line) => line !== '');
      assert.ok(Number(read[1]) >= 1, 'the event in flight was read');
      assert.equal(lines.length, Number(read[1]), `one line per event read:\n${run.stdout}`);
      assert.ok(lines.every((line) => JSON.parse(line) !== null), 'each line is JSON');
      assert.match(run.stdout, /Emu\.Interrupted/, 'the event in flight is reported as interrupted');
      assert.ok(await eventually(() => !isAlive(run.sandboxPid)), `sandbox ${run.sandboxPid} survived`);
      assertNoProcessLeft();
    });

    test(`${signal} on emu serve with an invocation in flight: exit 0, the sandbox ended`, async () => {
      const pidFile = path.join(scratch, `serve-${signal}.pid`);
      const serve = await startServe(['pid-then-hang.handler', '--code-dir', FIXTURES, '-t', '60', '--env', `PID_FILE=${pidFile}`]);
      const inFlight = send(`${serve.url}/hangs`).catch((error: Error) => error);
      const sandboxPid = await sandboxStarted(pidFile);
      await serve.stop(signal); // checks exit 0 and that the sandboxes it had are gone
      await inFlight;
      assert.ok(await eventually(() => !isAlive(sandboxPid)), `sandbox ${sandboxPid} survived`);
      assertNoProcessLeft();
    });
  }
});
