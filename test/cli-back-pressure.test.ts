// A reader slower than the function logs holds the function back, not emu: with emu's stderr not read
// for a while, a function writing 100 MB does not grow emu's memory by that much, in `emu run --stream`
// and in `emu serve` (the one-shot `emu run` is in cli-run.test.ts); nothing is lost once the reader reads.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { assertNoProcessLeft, FIXTURES } from './helpers.js';
import { EMU, exitWithin, send } from './serve-helpers.js';

const MB = 1024 * 1024;
/** Measured with the reader paused 3 s: emu peaks at 60-64 MB with back-pressure, 174-190 MB without it. */
const RSS_BOUND_BYTES = 100 * MB;
const PAUSE_MS = 3000;
const scratch = mkdtempSync(path.join(tmpdir(), 'emu-back-pressure-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface SlowReader {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout(): string;
  stderrBytes(): number;
  /** Samples emu's RSS while its stderr is left unread for PAUSE_MS, then reads it again; returns the peak. */
  pauseAndSample(): Promise<number>;
}

/** emu with its stderr paused from the start (a reader that takes nothing for a while). */
function slowReader(args: string[]): SlowReader {
  const child = spawn(process.execPath, [EMU, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, killSignal: 'SIGKILL' });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let stdout = '';
  let stderrBytes = 0;
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderrBytes += chunk.length));
  child.stderr?.pause();
  const pauseAndSample = async (): Promise<number> => {
    let peakBytes = 0;
    const sample = setInterval(() => (peakBytes = Math.max(peakBytes, rssBytes(child.pid as number))), 20);
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    clearInterval(sample);
    child.stderr?.resume();
    return peakBytes;
  };
  return { child, exited, stdout: () => stdout, stderrBytes: () => stderrBytes, pauseAndSample };
}

function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0; // exited
  }
}

test('emu run --stream: a function logging 100 MB under a paused reader leaves emu small, and every byte arrives', async (t) => {
  const events = path.join(scratch, 'loud.ndjson');
  writeFileSync(events, '{"fault":"stdout-100mb"}\n');
  const emu = slowReader(['run', 'faults.handler', events, '--stream', '--code-dir', FIXTURES, '-t', '60']);
  const peakBytes = await emu.pauseAndSample();
  assert.equal(await exitWithin(emu.child, emu.exited, 90_000), 0);
  assert.ok(emu.stderrBytes() >= 100 * MB, `all 100 MB reached stderr (${emu.stderrBytes()})`);
  assert.match(emu.stdout(), /"wrote":104857600/);
  t.diagnostic(`emu's peak RSS while its reader waited: ${Math.round(peakBytes / MB)} MB`);
  assert.ok(peakBytes > 0 && peakBytes < RSS_BOUND_BYTES, `emu's RSS while its reader waited: ${Math.round(peakBytes / MB)} MB`);
  assertNoProcessLeft();
});

test('emu serve: a function logging 100 MB under a paused reader leaves emu small, and every byte arrives', async (t) => {
  const emu = slowReader(['serve', 'faults.handler', '--code-dir', FIXTURES, '--function-name', 'faults', '-t', '60', '--port', '0', '--json']);
  const url = await new Promise<string>((resolve, reject) => {
    emu.child.stdout?.on('data', () => emu.stdout().includes('\n') && resolve((JSON.parse(emu.stdout().split('\n')[0] as string) as { url: string }).url));
    void emu.exited.then((code) => reject(new Error(`emu serve exited with ${code}`)));
  });
  const answer = send(`${url}/2015-03-31/functions/faults/invocations`, { method: 'POST', body: '{"fault":"stdout-100mb"}' });
  const peakBytes = await emu.pauseAndSample();
  const response = await answer;
  assert.equal(response.status, 200, response.text);
  assert.deepEqual(response.json(), { ok: true, wrote: 100 * MB });
  emu.child.kill('SIGINT');
  assert.equal(await exitWithin(emu.child, emu.exited, 30_000), 0);
  assert.ok(emu.stderrBytes() >= 100 * MB, `all 100 MB reached stderr (${emu.stderrBytes()})`);
  t.diagnostic(`emu serve's peak RSS while its reader waited: ${Math.round(peakBytes / MB)} MB`);
  assert.ok(peakBytes > 0 && peakBytes < RSS_BOUND_BYTES, `emu serve's RSS while its reader waited: ${Math.round(peakBytes / MB)} MB`);
  assertNoProcessLeft();
});
