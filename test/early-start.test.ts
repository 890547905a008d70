// emu run's early start (bin/early-start.cjs): a rerun of the same command starts its sandbox's
// Node before the CLI has loaded, and hands it its launch on fd 3. The sandbox it gives must be
// the one a usual start gives; a launch that no longer agrees, or a run that never launches,
// must leave nothing behind; Init Duration must not count the time the sandbox waited.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEmulator } from '../src/index.js';
import { offerEarlyStart, type EarlyStart } from '../src/sandbox/index.js';
import { processStarterName } from '../src/sandbox/process-starter.js';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { assertNoProcessLeft, EMU_COMMAND, eventually, FIXTURES, isAlive, REPO_ROOT, runEmu } from './helpers.js';

const { earlyStart } = createRequire(import.meta.url)('../bin/early-start.cjs') as {
  earlyStart(argv: string[], cwd: string, env: NodeJS.ProcessEnv): EarlyStart & { discard(): Promise<void> };
};

const scratch = mkdtempSync(path.join(tmpdir(), 'emu-early-start-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let caches = 0;
/** The user's environment with a cache of its own: no other test's runs are remembered in it. */
function freshCache(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: path.join(scratch, `cache-${++caches}`), ...extra };
  delete env.EMU_EARLY_START;
  delete env.EMU_PROCESS_STARTER;
  return env;
}

interface Probe {
  startedEarly: boolean;
  /** Who started it early: 'early-start' (bin/early-start.cjs) or 'early-start-by-launcher' (native/emu-launch.c). */
  startedBy: string | null;
  env: Record<string, string>;
  cwd: string;
  fd3: string | null;
}

async function probe(args: string[], env: NodeJS.ProcessEnv, command?: string): Promise<Probe> {
  const run = await runEmu(['run', 'early-start-probe.handler', '--code-dir', FIXTURES, ...args], { env, command });
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Probe;
}

/** What differs between any two runs, early or not: the Runtime API's port, the sandbox's id, the log stream, the trace. */
function comparable(env: Record<string, string>): Record<string, string> {
  const { AWS_LAMBDA_RUNTIME_API: _api, _EMU_SANDBOX_ID: _id, AWS_LAMBDA_LOG_STREAM_NAME: _stream, _X_AMZN_TRACE_ID: _trace, ...rest } = env;
  return rest;
}

/** Processes whose exec-time environment says an emu CLI started them early; `by` narrows it to one starter's marker. */
function earlyProcessesOf(cliPid: number, by?: 'early-start' | 'early-start-by-launcher'): number[] {
  const needle = `_EMU_SANDBOX_ID=${cliPid}/${by === undefined ? 'early-start' : `${by}\0`}`;
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle);
      } catch {
        return false;
      }
    });
}

const vfork = processStarterName() === 'vfork';
const launcherBuilt = existsSync(path.join(REPO_ROOT, 'native', 'build', 'emu-launch'));

describe('emu run starts a rerun\'s sandbox early', { skip: !vfork && 'the early start needs the vfork library (native/build)' }, () => {
  test('the second run of a command gets its sandbox early, with the environment and folder a usual start gives', async () => {
    const env = freshCache();
    const first = await probe([], env);
    assert.equal(first.startedEarly, false, 'nothing was remembered before the first run');
    const early = await probe([], env);
    assert.equal(early.startedEarly, true, 'the second run was started early');
    assert.equal(early.startedBy, 'early-start', 'node bin/emu.js starts it itself');
    const usual = await probe([], { ...env, EMU_EARLY_START: '0' });
    assert.equal(usual.startedEarly, false, 'EMU_EARLY_START=0 turns it off');
    assert.deepEqual(comparable(early.env), comparable(usual.env));
    assert.equal(early.env._EMU_HANDOFF_FD, undefined);
    assert.equal(early.cwd, usual.cwd);
    assert.ok(!early.fd3?.startsWith('socket:'), `the handover socket is closed before the function loads (fd 3: ${early.fd3})`);
    assertNoProcessLeft();
  });

  test('a launch that no longer agrees on what Node reads at start is started the usual way', async () => {
    const env = freshCache();
    const envFile = path.join(scratch, `lang-${caches}.env`);
    writeFileSync(envFile, 'LANG=C.UTF-8\n');
    const args = ['--env-file', envFile];
    await probe(args, env);
    assert.equal((await probe(args, env)).startedEarly, true);
    writeFileSync(envFile, 'LANG=en_GB.UTF-8\n'); // same command line, another start-time variable
    const changed = await probe(args, env);
    assert.equal(changed.startedEarly, false, 'the early process, started with the old LANG, was not used');
    assert.equal(changed.env.LANG, 'en_GB.UTF-8');
    const next = await probe(args, env);
    assert.equal(next.startedEarly, true, 'the new launch was remembered');
    assert.equal(next.env.LANG, 'en_GB.UTF-8');
    assertNoProcessLeft(); // the one ended unused included
  });

  test('a run that fails before it launches a sandbox leaves no early process behind', async () => {
    const env = freshCache();
    const envFile = path.join(scratch, `gone-${caches}.json`);
    writeFileSync(envFile, '{"A": "1"}');
    const args = ['run', 'early-start-probe.handler', '--code-dir', FIXTURES, '--env-vars', envFile];
    await runEmu(args, { env });
    unlinkSync(envFile);
    let cliPid = 0;
    const run = await runEmu(args, { env, onSpawn: (pid) => (cliPid = pid) });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /gone-\d+\.json/);
    // Nothing is left once the CLI has exited. (Whether the CLI reaped it itself or the kernel's
    // parent-death signal ended it as the CLI exited cannot be told apart from here.)
    assert.deepEqual(earlyProcessesOf(cliPid).filter(isAlive), [], 'the early process outlived its CLI');
    assertNoProcessLeft();
  });

  for (const [command, by, marker] of [[undefined, 'node bin/emu.js', 'early-start'], [EMU_COMMAND, 'the launcher', 'early-start-by-launcher']] as const) {
  test(`a CLI killed as soon as its early sandbox exists takes it along, waiting or handed over (${by})`, { skip: command !== undefined && !launcherBuilt && 'no launcher in native/build' }, async () => {
    const env = freshCache();
    // A 3 s init keeps the CLI running whenever the kill lands; the scan starts at the spawn, so it
    // mostly lands while the early process still waits for its launch (40-50 ms before the handover).
    const args = ['run', 'early-start-probe.handler', '--code-dir', FIXTURES, '--env', 'BUSY_INIT_MS=3000', '--timeout', '10'];
    await runEmu(args, { env });
    for (let attempt = 0; attempt < 3; attempt++) {
      let seen: number[] = [];
      const run = runEmu(args, {
        env,
        command,
        onSpawn: (pid) => {
          void eventually(() => (seen = earlyProcessesOf(pid, marker)).length > 0, 5000).then(() => {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // already exited: the assertions below say so
            }
          });
        },
      });
      const result = await run;
      assert.equal(result.code, null, 'the CLI was killed');
      assert.equal(seen.length, 1, `the early process ${by} started was seen`);
      assert.ok(await eventually(() => seen.every((pid) => !isAlive(pid))), `early process ${seen} outlived its CLI`);
    }
    assertNoProcessLeft();
  });
  }

  test('a cache file that others can write is not trusted: nothing is started from it', async () => {
    const env = freshCache();
    await probe([], env);
    const file = path.join(env.XDG_CACHE_HOME as string, 'emu', 'remembered-launches');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    chmodSync(file, 0o666);
    assert.equal((await probe([], env)).startedEarly, false);
    chmodSync(file, 0o600);
    assert.equal((await probe([], env)).startedEarly, true);
  });

  test('a cache file that emu did not write whole starts nothing, and the next launch replaces it', async () => {
    const env = freshCache();
    await probe([], env);
    const file = path.join(env.XDG_CACHE_HOME as string, 'emu', 'remembered-launches');
    const whole = readFileSync(file, 'latin1');
    for (const command of [undefined, ...(launcherBuilt ? [EMU_COMMAND] : [])]) {
      writeFileSync(file, whole.slice(0, whole.length - 7)); // cut inside its last variable: a count the fields no longer fill
      assert.equal((await probe([], env, command)).startedEarly, false, `started early from a cut cache (${command ?? 'node bin/emu.js'})`);
      assert.equal(readFileSync(file, 'latin1'), whole, 'the launch is remembered again');
    }
    assert.equal((await probe([], env)).startedEarly, true);
  });

  test("a function's own _EMU_HANDOFF_FD does not make a usual start wait on fd 3", async () => {
    const run = await probe(['--env', '_EMU_HANDOFF_FD=3'], freshCache({ EMU_EARLY_START: '0' }));
    assert.equal(run.startedEarly, false);
    assert.equal(run.env._EMU_HANDOFF_FD, undefined);
  });

  test("Init Duration leaves out the time the early sandbox waited for its launch", async () => {
    const env = freshCache();
    const argv = ['run', 'init-duration'];
    const options = { handler: 'early-start-probe.handler', codeDir: FIXTURES, mode: 'cold' as const, env: { BUSY_INIT_MS: '300' } };
    const invokeOnce = async (): Promise<{ startedEarly: boolean; initDurationMs: number | undefined }> => {
      const emulator = createEmulator(options);
      try {
        const result = await emulator.invoke({});
        assert.equal(result.status, 'ok', result.payloadJson);
        return { startedEarly: (result.payload as Probe).startedEarly, initDurationMs: result.metrics.initDurationMs };
      } finally {
        await emulator.close();
      }
    };
    offerEarlyStart(earlyStart(argv, REPO_ROOT, env)); // nothing remembered yet: remembers this launch
    assert.equal((await invokeOnce()).startedEarly, false);
    const early = earlyStart(argv, REPO_ROOT, env);
    await sleep(1500); // the sandbox has long finished its start and waits on fd 3
    offerEarlyStart(early);
    const { startedEarly, initDurationMs } = await invokeOnce();
    assert.equal(startedEarly, true);
    assert.ok(initDurationMs !== undefined && initDurationMs >= 300, `Init Duration ${initDurationMs} ms counts init's 300 ms`);
    assert.ok(initDurationMs < 1300, `Init Duration ${initDurationMs} ms must not count the 1.5 s the sandbox waited`);
    await early.discard();
    assertNoProcessLeft();
  });

  describe('the emu command (bin/emu) starts it before the CLI\'s Node', { skip: !launcherBuilt && 'no launcher in native/build (native/build.mjs says why)' }, () => {
    test('a rerun through the launcher gets the sandbox a usual start gives, from the same cache as node bin/emu.js', async () => {
      const env = freshCache();
      assert.equal((await probe([], env, EMU_COMMAND)).startedEarly, false, 'nothing was remembered before the first run');
      const launched = await probe([], env, EMU_COMMAND);
      assert.equal(launched.startedBy, 'early-start-by-launcher');
      const usual = await probe([], { ...env, EMU_EARLY_START: '0' }, EMU_COMMAND);
      assert.equal(usual.startedEarly, false, 'EMU_EARLY_START=0 turns the launcher\'s early start off too');
      assert.deepEqual(comparable(launched.env), comparable(usual.env));
      assert.equal(launched.env._EMU_EARLY_START, undefined, 'the launcher\'s report stays in the CLI');
      assert.equal(launched.env._EMU_HANDOFF_FD, undefined);
      assert.equal(launched.cwd, usual.cwd);
      assert.ok(!launched.fd3?.startsWith('socket:'), `the handover socket is closed before the function loads (fd 3: ${launched.fd3})`);
      assert.equal((await probe([], env)).startedBy, 'early-start', 'the same entry serves node bin/emu.js');
      assertNoProcessLeft();
    });

    test('the launcher runs nothing a cache file that others can write names', async () => {
      const env = freshCache();
      const dir = path.join(env.XDG_CACHE_HOME as string, 'emu');
      const evidence = path.join(scratch, `ran-${caches}`);
      // What someone else could have written: this very command line, and a command of theirs to start for it.
      const command = [path.resolve(REPO_ROOT), 'run', 'early-start-probe.handler', '--code-dir', FIXTURES]; // the folder as getcwd() gives it
      const fields = ['emu remembered launches 1', String(command.length), ...command, '/bin/sh', '2', '-c', `echo > ${evidence}`, '0'];
      const writeCache = (mode: number): void => {
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, 'remembered-launches'), `${fields.join('\0')}\0`);
        chmodSync(path.join(dir, 'remembered-launches'), mode);
      };
      writeCache(0o666);
      assert.equal((await probe([], env, EMU_COMMAND)).startedEarly, false);
      await sleep(200);
      assert.equal(existsSync(evidence), false, 'the launcher ran a command from a file others can write');
      writeCache(0o600); // the user's own: the launcher starts it (and the CLI, given another launch, ends it)
      assert.equal((await probe([], env, EMU_COMMAND)).startedEarly, false);
      assert.ok(await eventually(() => existsSync(evidence)), 'a trusted entry is started: this test can see a start');
      assertNoProcessLeft();
    });

    test('an _EMU_EARLY_START that names no child of the CLI is ignored: nothing is killed, the run goes on', async () => {
      // A process of the test's own, leading its own group: what a CLI that trusted the variable would SIGKILL.
      const bystander = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
      try {
        const pid = bystander.pid as number;
        const run = await probe([], freshCache({ _EMU_EARLY_START: `${pid},7,8,9,1,2,3,4,5` }));
        assert.equal(run.startedEarly, false);
        assert.equal(run.env._EMU_EARLY_START, undefined);
        assert.ok(isAlive(pid), 'the process the variable named is alive');
      } finally {
        bystander.kill('SIGKILL');
      }
    });
  });
});
