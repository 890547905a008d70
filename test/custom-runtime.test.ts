// Custom runtimes (provided.al2023, provided.al2): the function's own `bootstrap` executable speaks the
// Runtime API, here a shell script with curl and a Python program under a shell; everything else of emu
// applies (cold and warm, the timeout's kill of the whole group, the whole tree's peak memory), and a
// bootstrap AWS could not start is AWS's Runtime.InvalidEntrypoint.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { assertNoProcessLeft, eventually, FIXTURES, isAlive, runEmu, withEmulator } from './helpers.js';

const RUNTIMES = path.join(FIXTURES, 'custom-runtime');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'emu-custom-runtime-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function custom(folder: string): { handler: string; codeDir: string; runtime: string } {
  return { handler: 'function.handler', codeDir: path.join(RUNTIMES, folder), runtime: 'provided.al2023' };
}

describe('a shell bootstrap with curl', () => {
  test('warm: each event answered by the same process, with the handler and a custom runtime’s environment', async () => {
    await withEmulator(custom('echo'), async ({ emulator, output }) => {
      const first = await emulator.invoke({ n: 1 });
      const second = await emulator.invoke({ n: 2 });
      assert.equal(first.status, 'ok', first.payloadJson);
      const dir = path.join(RUNTIMES, 'echo');
      assert.deepEqual(first.payload, { event: { n: 1 }, handler: 'function.handler', taskRoot: dir, executionEnv: 'unset', cwd: dir });
      assert.deepEqual((second.payload as { event: unknown }).event, { n: 2 });
      assert.equal(first.metrics.coldStart, true);
      assert.equal(second.metrics.coldStart, false);
      assert.match(output(), /got \{"n":1\}/);
    });
  });

  test('cold: a fresh bootstrap per invocation', async () => {
    await withEmulator({ ...custom('echo'), mode: 'cold' }, async ({ emulator }) => {
      const results = [await emulator.invoke({ n: 1 }), await emulator.invoke({ n: 2 })];
      assert.deepEqual(results.map((result) => result.metrics.coldStart), [true, true]);
    });
  });

  test('through the CLI: emu run --runtime provided.al2023', async () => {
    const run = await runEmu(['run', 'function.handler', '-', '--runtime', 'provided.al2023', '--code-dir', path.join(RUNTIMES, 'echo'), '--no-credentials'], { stdin: '{"cli":true}' });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((JSON.parse(run.stdout) as { event: unknown }).event, { cli: true });
  });

  test('a timeout kills the whole process group: the bootstrap and the child it waits on', async () => {
    await withEmulator({ ...custom('sleepy'), timeoutSeconds: 1 }, async ({ emulator }) => {
      const result = await emulator.invoke({});
      assert.equal(result.error?.errorType, 'Sandbox.Timedout');
    });
  });
});

describe("a custom runtime's memory is its whole tree's", () => {
  test('a child started without exec: its peak counts, is reset between warm events, and past the limit is Runtime.OutOfMemory', async () => {
    await withEmulator({ ...custom('tree-memory'), memoryMb: 256 }, async ({ emulator }) => {
      const small = await emulator.invoke({ mb: 1 });
      const big = await emulator.invoke({ mb: 80 });
      const again = await emulator.invoke({ mb: 1 });
      assert.equal(big.status, 'ok', big.payloadJson);
      const [smallMb = 0, bigMb = 0, againMb = 0] = [small, big, again].map((result) => result.metrics.maxMemoryUsedMb ?? 0);
      assert.ok(bigMb >= smallMb + 75, `80 MB more in the child: ${smallMb} → ${bigMb} MB (${big.metrics.peakRssMethod})`);
      assert.ok(againMb < bigMb - 50, `the peak is reset between warm invocations: ${bigMb} → ${againMb} MB`);
      const over = await emulator.invoke({ mb: 300 });
      assert.equal(over.error?.errorType, 'Runtime.OutOfMemory');
    });
  });
});

describe('a bootstrap AWS could not start, or that gives up', () => {
  /** A fresh code folder, with a bootstrap of this content and mode (none when content is undefined). */
  function folderWith(name: string, content: string | undefined, mode = 0o755): string {
    const dir = path.join(scratch, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    if (content !== undefined) {
      writeFileSync(path.join(dir, 'bootstrap'), content);
      chmodSync(path.join(dir, 'bootstrap'), mode);
    }
    return dir;
  }

  const cases: Array<[string, string | undefined, number, RegExp]> = [
    ['missing', undefined, 0o755, /^Couldn't find valid bootstrap\(s\): \[\S+\/missing\/bootstrap\]$/],
    ['not executable', '#!/bin/sh\nexit 0\n', 0o644, /^fork\/exec \S+\/bootstrap: permission denied$/],
    ['a shebang naming no interpreter there is', '#!/no/such/shell\nexit 0\n', 0o755, /^fork\/exec \S+\/bootstrap: no such file or directory$/],
    ['neither a shebang nor a binary', 'echo hello\n', 0o755, /^fork\/exec \S+\/bootstrap: exec format error$/],
  ];
  for (const [name, content, mode, message] of cases) {
    test(`${name}: Runtime.InvalidEntrypoint`, async () => {
      const codeDir = folderWith(name.replace(/\W+/g, '-'), content, mode);
      await withEmulator({ handler: 'function.handler', codeDir, runtime: 'provided.al2023' }, async ({ emulator }) => {
        const result = await emulator.invoke({});
        assert.equal(result.error?.errorType, 'Runtime.InvalidEntrypoint', result.payloadJson);
        assert.match(result.error?.errorMessage ?? '', message);
      });
    });
  }

  test('a bootstrap in a layer is used when the code folder has none; the code folder’s wins over it', async () => {
    const layer = folderWith('layer-runtime', readFileSync(path.join(RUNTIMES, 'echo', 'bootstrap'), 'utf8'));
    const code = folderWith('code-without-bootstrap', undefined);
    await withEmulator({ handler: 'function.handler', codeDir: code, runtime: 'provided.al2023', layers: [layer] }, async ({ emulator }) => {
      const result = await emulator.invoke({ from: 'layer' });
      assert.equal(result.status, 'ok', result.payloadJson);
    });
    await withEmulator({ handler: 'function.handler', codeDir: path.join(RUNTIMES, 'exits'), runtime: 'provided.al2023', layers: [layer] }, async ({ emulator }) => {
      assert.equal((await emulator.invoke({})).error?.errorType, 'Runtime.ExitError');
    });
  });

  test('exits before /next: Runtime.ExitError with its status', async () => {
    await withEmulator(custom('exits'), async ({ emulator, output }) => {
      const result = await emulator.invoke({});
      assert.equal(result.error?.errorType, 'Runtime.ExitError', result.payloadJson);
      assert.match(result.error?.errorMessage ?? '', /exit status 3/);
      assert.match(output(), /bootstrap giving up/);
    });
  });

  test('forks and exits: Runtime.ExitError, and the child it left is ended with it', async () => {
    const pidFile = path.join(scratch, 'forked.pid');
    await withEmulator({ ...custom('forks'), env: { PID_FILE: pidFile } }, async ({ emulator }) => {
      const result = await emulator.invoke({});
      assert.equal(result.error?.errorType, 'Runtime.ExitError', result.payloadJson);
      const forked = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(await eventually(() => !isAlive(forked)), `the forked child ${forked} outlived its sandbox`);
    });
  });
});

test('without a cgroup, the process-tree probe sums its live processes’ peaks (the leader’s own would miss the child)', async () => {
  const { ProcessTreeProbe, createPeakRssProbe } = await import('../src/measure/index.js');
  const { listDescendants } = await import('../src/sandbox/index.js');
  const { spawn } = await import('node:child_process');
  const program = 'b = bytearray(60 * 1024 * 1024)\nfor i in range(0, len(b), 4096): b[i] = 1\nprint("ready", flush=True)\nimport time; time.sleep(30)';
  const shell = spawn('/bin/sh', ['-c', `python3 -c '${program}'; true`], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  try {
    await new Promise<void>((resolve) => shell.stdout.once('data', () => resolve()));
    const tree = new ProcessTreeProbe(shell.pid as number, listDescendants).readPeakBytes() ?? 0;
    const leader = createPeakRssProbe(shell.pid as number).readPeakBytes() ?? 0;
    assert.ok(tree >= 60 * 1024 * 1024, `tree peak ${tree} bytes`);
    assert.ok(leader < 20 * 1024 * 1024, `the shell alone: ${leader} bytes`);
  } finally {
    const group = [shell.pid as number, ...listDescendants(shell.pid as number)];
    const reaped = shell.exitCode === null && shell.signalCode === null ? new Promise((resolve) => shell.once('exit', resolve)) : Promise.resolve();
    process.kill(-(shell.pid as number), 'SIGKILL'); // the group: the shell and its python child
    assert.ok(await eventually(() => group.every((pid) => !isAlive(pid))), `left: ${group.filter(isAlive).join(' ')}`);
    await reaped; // until Node has reaped the shell, it is this process's zombie child
    assertNoProcessLeft();
  }
});
