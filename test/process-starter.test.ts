// The contract of both sandbox process starters (src/sandbox/process-starter.ts), checked on real
// processes: what each child sees of its session, signals, descriptors, environment and working
// directory, and what the supervisor sees of its output, exit and end. vfork must behave exactly
// as execa does: it replaces it on every cold start where its library builds.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createSandboxCgroup } from '../src/measure/index.js';
import { processStarter, processStarterName, type ProcessLaunch, type ProcessStarterName, type SandboxProcess } from '../src/sandbox/process-starter.js';
import { assertNoProcessLeft, eventually, isAlive, REPO_ROOT } from './helpers.js';

const LIBRARY = path.join(REPO_ROOT, 'native', 'build', 'sandbox-spawn.node');
const HAS_COMPILER = spawnSync('cc', ['--version']).status === 0;

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** 'exit', then 'close', in the order they came. */
  events: string[];
}

function collect(child: SandboxProcess): Promise<Ended> {
  const ended: Ended = { code: null, signal: null, stdout: '', stderr: '', events: [] };
  child.stdout?.on('data', (chunk: Buffer) => (ended.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (ended.stderr += chunk.toString()));
  child.once('exit', (code, signal) => {
    ended.events.push('exit');
    ended.code = code;
    ended.signal = signal;
  });
  return new Promise((resolve) =>
    child.once('close', () => {
      ended.events.push('close');
      resolve(ended);
    }),
  );
}

/** A Node child that prints what it sees of itself as JSON, then exits with `code`. */
function introspect(code = 0): string {
  return `
    const fs = require('node:fs');
    const stat = fs.readFileSync('/proc/self/stat', 'utf8').slice(fs.readFileSync('/proc/self/stat', 'utf8').lastIndexOf(')') + 2).split(' ');
    console.log(JSON.stringify({
      pid: process.pid, pgid: Number(stat[2]), sid: Number(stat[3]),
      stdin: fs.readlinkSync('/proc/self/fd/0'), stdout: fs.readlinkSync('/proc/self/fd/1'), stderr: fs.readlinkSync('/proc/self/fd/2'),
      fds: fs.readdirSync('/proc/self/fd').map(Number).sort((a, b) => a - b),
      env: process.env, cwd: process.cwd(), argv0: process.argv0,
    }));
    console.error('to stderr');
    process.exitCode = ${code};
  `;
}

function launch(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT): ProcessLaunch {
  return { file: process.execPath, args, cwd, env };
}

const STARTERS: ProcessStarterName[] = ['vfork', 'execa'];

test('on Linux with a C compiler, the vfork starter is built at install and is the one in use', { skip: process.platform !== 'linux' || !HAS_COMPILER }, async () => {
  assert.ok(existsSync(LIBRARY), `${LIBRARY} was not built (npm run build runs native/build.mjs)`);
  assert.equal(typeof (await processStarter('vfork')), 'function');
  assert.equal(processStarterName(), process.env.EMU_PROCESS_STARTER === 'execa' ? 'execa' : 'vfork');
});

for (const name of STARTERS) {
  const start = await processStarter(name);
  describe(`the ${name} starter`, { skip: start === undefined ? 'its library is not built here' : false }, () => {
    const run = (what: ProcessLaunch): SandboxProcess => (start as NonNullable<typeof start>)(what);

    test('the child has its own session and group, default signals, /dev/null for stdin, only its three descriptors, exactly the given environment and directory', async () => {
      const codeDir = path.join(REPO_ROOT, 'examples');
      const child = run(launch(['-e', introspect()], { ONLY: 'this', PATH: '/usr/bin:/bin' }, codeDir));
      const ended = await collect(child);
      assert.deepEqual({ code: ended.code, signal: ended.signal, stderr: ended.stderr, events: ended.events }, { code: 0, signal: null, stderr: 'to stderr\n', events: ['exit', 'close'] });
      const seen = JSON.parse(ended.stdout) as Record<string, unknown>;
      assert.equal(seen.pid, child.pid);
      assert.equal(seen.pgid, child.pid, 'a process group of its own');
      assert.equal(seen.sid, child.pid, 'a session of its own');
      // Node (the supervisor) ignores SIGPIPE: a child that inherited that would not die of a broken pipe.
      // cat shows what it was given (Node, as a child, ignores SIGPIPE and SIGXFSZ itself).
      const status = (await collect(run({ file: '/bin/cat', args: ['/proc/self/status'], cwd: REPO_ROOT, env: {} }))).stdout;
      assert.match(status, /^SigIgn:\s+0{16}$/m);
      assert.match(status, /^SigBlk:\s+0{16}$/m);
      assert.equal(seen.stdin, '/dev/null');
      // What libuv gives a child, a socket and not a pipe: the runtime sees the same kind of stdout under either starter.
      assert.match(String(seen.stdout), /^socket:\[\d+\]$/);
      assert.match(String(seen.stderr), /^socket:\[\d+\]$/);
      assert.notEqual(seen.stdout, seen.stderr);
      // 0-2, and what Node itself opens at start (its event loop's descriptors): none of the supervisor's.
      const inherited = (seen.fds as number[]).filter((fd) => fd > 2 && fd < 10);
      const bare = spawnSync(process.execPath, ['-e', 'console.log(JSON.stringify(require("fs").readdirSync("/proc/self/fd").map(Number).sort((a,b)=>a-b)))'], { env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
      assert.deepEqual(inherited, (JSON.parse(bare.stdout.toString()) as number[]).filter((fd) => fd > 2 && fd < 10));
      assert.deepEqual(seen.env, { ONLY: 'this', PATH: '/usr/bin:/bin' });
      assert.equal(seen.cwd, codeDir);
      assert.equal(seen.argv0, process.execPath);
      assertNoProcessLeft();
    });

    test('an exit status and a killing signal come back as Node gives them, and the child is reaped', async () => {
      const failing = run(launch(['-e', introspect(3)]));
      assert.deepEqual((await collect(failing)).code, 3);
      const looping = run(launch(['-e', 'setInterval(() => {}, 1000); console.log("up")']));
      const ended = collect(looping);
      await new Promise((resolve) => looping.stdout?.once('data', resolve));
      process.kill(looping.pid as number, 'SIGKILL');
      const killed = await ended;
      assert.deepEqual([killed.code, killed.signal], [null, 'SIGKILL']);
      // A number with two names gets the one Node gives it.
      for (const [number, name] of [[6, 'SIGABRT'], [29, 'SIGIO']] as const) {
        const aborted = await collect(run({ file: '/bin/sh', args: ['-c', `kill -${number} $$`], cwd: REPO_ROOT, env: {} }));
        assert.deepEqual([aborted.code, aborted.signal], [null, name]);
      }
      assert.ok(!isAlive(looping.pid as number), 'reaped, not a zombie');
      assertNoProcessLeft();
    });

    test('a bare name is found in the sandbox’s PATH, not the supervisor’s, past a same-named file it cannot execute; a missing file is an error, and nothing is left', async () => {
      // Only the sandbox's PATH has these folders: the supervisor's could not find the program.
      const folder = mkdtempSync(path.join(tmpdir(), 'emu-starter-path-'));
      try {
        mkdirSync(path.join(folder, 'first'));
        mkdirSync(path.join(folder, 'second'));
        writeFileSync(path.join(folder, 'first', 'emu-only-here'), 'not executable\n', { mode: 0o644 });
        writeFileSync(path.join(folder, 'second', 'emu-only-here'), '#!/bin/sh\necho "ran $0"\n', { mode: 0o755 });
        const searchPath = `/nowhere:${folder}/first:${folder}/second:/bin`;
        const found = await collect(run({ file: 'emu-only-here', args: [], cwd: REPO_ROOT, env: { PATH: searchPath } }));
        assert.equal(found.code, 0, found.stderr);
        assert.equal(found.stdout, `ran ${folder}/second/emu-only-here\n`);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
      const missing = path.join(REPO_ROOT, 'no-such-runtime');
      if (name === 'vfork') {
        assert.throws(() => run({ file: missing, args: [], cwd: REPO_ROOT, env: {} }), /could not start the sandbox with .*no-such-runtime in .*: execve failed: No such file or directory/);
      } else {
        // setpriv is what execa starts: it reports the missing runtime and exits.
        const ended = await collect(run({ file: missing, args: [], cwd: REPO_ROOT, env: {} }));
        assert.notEqual(ended.code, 0);
      }
      assertNoProcessLeft();
    });

    test('a child given a cgroup is in it before its program’s first instruction', async (t) => {
      const cgroup = createSandboxCgroup(`starter-test-${name}-${Date.now()}`);
      if (cgroup === undefined) return t.skip('no writable memory cgroup here (not root, or cgroup v2 only)');
      try {
        const ended = await collect(run({ file: '/bin/cat', args: ['/proc/self/cgroup'], cwd: REPO_ROOT, env: {}, cgroupProcs: cgroup.procsFile }));
        assert.equal(ended.code, 0);
        const group = path.basename(path.dirname(cgroup.procsFile));
        assert.match(ended.stdout, new RegExp(`^\\d+:memory:.*/${group}$`, 'm'));
      } finally {
        cgroup.probe.stop();
      }
    });

    test('output a child writes after its parent’s pipes are read is all there: 4 MB on stdout, in order', async () => {
      const ended = await collect(run(launch(['-e', 'for (let i = 0; i < 4096; i++) process.stdout.write(String(i % 10).repeat(1023) + "\\n")'])));
      assert.equal(ended.stdout.length, 4096 * 1024);
      assert.equal(ended.stdout.slice(1024 * 4095, 1024 * 4095 + 3), '555');
    });

    test('from a supervisor whose stdin is a pipe, the child still reads /dev/null; SIGKILL of that supervisor ends the child (parent-death signal)', { skip: process.platform !== 'linux' }, async () => {
      const host = `
        import { processStarter } from ${JSON.stringify(path.join(REPO_ROOT, 'src/sandbox/process-starter.ts'))};
        const child = (await processStarter(${JSON.stringify(name)}))({ file: '/bin/sh', args: ['-c', 'echo "stdin $(readlink /proc/$$/fd/0 || echo closed)"; exec "$0" -e "setInterval(() => {}, 1000)"', process.execPath], cwd: process.cwd(), env: {} });
        child.stdout.pipe(process.stdout);
        console.log('child ' + child.pid);
        setInterval(() => {}, 1000);
      `;
      const supervisor = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', host], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
      const killer = setTimeout(() => supervisor.kill('SIGKILL'), 60_000); // never hang the suite
      let out = '';
      const childPid = await new Promise<number>((resolve) => {
        supervisor.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /child (\d+)/.exec(out);
          if (match && out.includes('stdin ')) resolve(Number(match[1]));
        });
        supervisor.once('close', () => resolve(0));
      });
      try {
        assert.ok(childPid > 0, `the host did not start its child: ${out}`);
        assert.ok(isAlive(childPid));
        assert.match(out, /^stdin \/dev\/null$/m, 'the supervisor’s own stdin is not the sandbox’s');
      } catch (error) {
        if (childPid > 0) process.kill(childPid, 'SIGKILL'); // a failure here must not leave it to fail the tests after
        throw error;
      } finally {
        supervisor.kill('SIGKILL');
        await new Promise((resolve) => (supervisor.exitCode === null && supervisor.signalCode === null ? supervisor.once('close', resolve) : resolve(null)));
        clearTimeout(killer);
      }
      assert.ok(await eventually(() => !isAlive(childPid), 5000), `child ${childPid} survived its supervisor's SIGKILL`);
    });
  });
}
