// Nothing is left behind, whatever ends a sandbox (issue #12): a failed init's children, a host
// process interrupted by a signal or killed outright, and every path in between.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { assertGone, assertNoProcessLeft, eventually, FIXTURES, isAlive, MODES, REPO_ROOT, runEmu, withEmulator } from './helpers.js';

function childPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function tempFile(): { file: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'emu-lifecycle-'));
  return { file: path.join(dir, 'pids'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const INIT_FAULTS = [
  { fault: 'throw', errorType: 'Error' },
  { fault: 'exit', errorType: 'Runtime.ExitError' },
] as const;

for (const mode of MODES) {
  describe(`a failed init leaves nothing behind (${mode})`, () => {
    for (const { fault, errorType } of INIT_FAULTS) {
      test(`init ${fault}s after starting a child: the child dies with the sandbox (API)`, async () => {
        const pids = tempFile();
        try {
          await withEmulator({ handler: 'init-leaks-child.handler', mode, env: { INIT_FAULT: fault, CHILD_PID_FILE: pids.file } }, async ({ emulator }) => {
            const result = await emulator.invoke({});
            assert.equal(result.error?.errorType, errorType);
            const [child] = childPids(pids.file);
            assert.ok(child !== undefined, 'the init started its child');
            assert.ok(await eventually(() => !isAlive(child)), `init's child ${child} outlived its sandbox`);
          });
          for (const pid of childPids(pids.file)) assertGone(pid);
        } finally {
          pids.cleanup();
        }
      });
    }

    test('init throws after starting a child: nothing survives a one-shot emu run', async () => {
      const pids = tempFile();
      try {
        const run = await runEmu(['run', 'init-leaks-child.handler', `--${mode}`, '--code-dir', FIXTURES, '--env', 'INIT_FAULT=throw', '--env', `CHILD_PID_FILE=${pids.file}`]);
        assert.equal(run.code, 1, run.stderr);
        assert.equal(JSON.parse(run.stdout).errorMessage, 'bad config');
        const [child] = childPids(pids.file);
        assert.ok(child !== undefined);
        assert.ok(await eventually(() => !isAlive(child)), `init's child ${child} outlived emu run`);
      } finally {
        pids.cleanup();
      }
    });
  });
}

describe('an interrupted host process leaves no sandbox running', () => {
  const HOST = path.join(FIXTURES, 'busy-loop-host.ts');

  function startHost(env: Record<string, string> = {}): { child: ReturnType<typeof spawn>; sandboxPid: Promise<number>; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> } {
    const child = spawn(process.execPath, ['--import', 'tsx', HOST], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    let reported: (pid: number) => void = () => {};
    const sandboxPid = new Promise<number>((resolve) => (reported = resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /sandbox pid (\d+)/.exec(stdout);
      if (match) reported(Number(match[1]));
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000); // never hang the suite
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve) =>
      child.on('close', (code, signal) => {
        clearTimeout(killer);
        resolve({ code, signal, stdout });
      }),
    );
    return { child, sandboxPid, exited };
  }

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    test(`${signal}: the sandbox dies, then the signal has its normal effect`, async () => {
      const host = startHost();
      const sandbox = await host.sandboxPid;
      assert.ok(isAlive(sandbox));
      host.child.kill(signal);
      const exit = await host.exited;
      assert.equal(exit.signal, signal, 'the host died of the signal, as without emu');
      assert.ok(await eventually(() => !isAlive(sandbox)), `sandbox ${sandbox} outlived its host`);
    });
  }

  for (const listener of ['1', 'once']) {
    test(`a host with its own listener${listener === 'once' ? ', one that removes itself when it fires,' : ''} decides whether to exit; the sandbox dies anyway`, async () => {
      const host = startHost({ HOST_LISTENER: listener });
      const sandbox = await host.sandboxPid;
      host.child.kill('SIGTERM');
      const exit = await host.exited;
      assert.equal(exit.code, 7, 'the host’s listener chose its exit');
      assert.match(exit.stdout, /host saw SIGTERM/);
      assert.ok(await eventually(() => !isAlive(sandbox)), `sandbox ${sandbox} outlived its host`);
    });
  }

  test('SIGKILL of the host: the kernel ends the sandbox even in a busy loop (parent-death signal)', { skip: process.platform !== 'linux' }, async () => {
    const host = startHost();
    const sandbox = await host.sandboxPid;
    host.child.kill('SIGKILL');
    await host.exited;
    assert.ok(await eventually(() => !isAlive(sandbox), 5000), `sandbox ${sandbox} survived its host's SIGKILL`);
  });
});

describe('the suite itself catches what it claims', () => {
  test('assertNoProcessLeft sees a marked process that was reparented to init', async () => {
    // What a leak looks like: a process with this supervisor's sandbox marker whose parent has gone.
    const shell = spawn('sh', ['-c', 'sleep 300 >/dev/null 2>&1 & echo $!'], { env: { PATH: process.env.PATH, _EMU_SANDBOX_ID: `${process.pid}/a-test-leak` }, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    shell.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await new Promise((resolve) => shell.on('close', resolve));
    const orphan = Number(out.trim());
    try {
      assert.ok(isAlive(orphan));
      assert.throws(() => assertNoProcessLeft(), new RegExp(`${orphan} sleep 300`));
    } finally {
      process.kill(orphan, 'SIGKILL');
    }
    assert.ok(await eventually(() => !isAlive(orphan)));
    assertNoProcessLeft();
  });

  test('a test file the runner does not list fails the suite instead of never running', () => {
    const unlisted = path.join(REPO_ROOT, 'test', `zz-unlisted-${process.pid}.test.ts`);
    writeFileSync(unlisted, '// deliberately left out of the list\n');
    try {
      const run = spawnSync(process.execPath, ['test/run-tests.mjs', 'architecture'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 1);
      assert.match(run.stderr, new RegExp(`not in the list.*zz-unlisted-${process.pid}\\.test\\.ts`));
    } finally {
      rmSync(unlisted, { force: true });
    }
  });
});
