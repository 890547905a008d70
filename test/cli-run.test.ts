// `emu run` as a user runs it: a real CLI process, its stdout, stderr and exit code.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { assertNoProcessLeft, eventually, FIXTURES, isAlive, REPO_ROOT, runEmu } from './helpers.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'emu-cli-'));
const emu = runEmu;

function file(name: string, content: string): string {
  const full = path.join(scratch, name);
  writeFileSync(full, content);
  return full;
}

describe('emu run', () => {
  test('the README example prints exactly the payload on stdout, logs on stderr', async () => {
    const run = await emu(['run', 'examples/hello/index.handler', 'examples/hello/event.json']);
    assert.equal(run.code, 0, run.stderr);
    const payload = JSON.parse(run.stdout) as { message: string };
    assert.equal(payload.message, 'Hello, Ada!');
    assert.equal(run.stdout.trim().split('\n').length, 1, 'nothing else on stdout');
    assert.match(run.stderr, /\tINFO\tHello from hello with \{"name":"Ada"\}/);
  });

  test("emu run compiles from a code cache of its own: another command's run does not decide it", async () => {
    const bundleDir = path.join(REPO_ROOT, 'dist', 'cli');
    // A cache is written only where none is: without these, the ones left by earlier runs would answer.
    for (const name of readdirSync(bundleDir)) if (name.endsWith('.cache')) rmSync(path.join(bundleDir, name), { force: true });
    assert.equal((await emu(['--version'])).code, 0);
    assert.equal((await emu(['run', 'noop.handler', '--code-dir', FIXTURES])).code, 0);
    const caches = readdirSync(bundleDir).filter((name) => name.endsWith('.cache'));
    // emu run loads a bundle of its own (run.cjs), which holds run's code and none of serve's or bench's.
    assert.ok(caches.some((name) => name.startsWith('run.cjs.') && name.endsWith('.run.cache')), `a cache for emu run: ${caches.join(', ')}`);
    const runBundle = readFileSync(path.join(bundleDir, 'run.cjs'), 'utf8');
    assert.ok(runBundle.includes('function runCommand(') && !runBundle.includes('function runServeCommand(') && !runBundle.includes('function runBenchCommand('), 'run.cjs is emu run alone');
    assert.ok(caches.some((name) => name.endsWith('.other.cache')), `a cache for --version, apart: ${caches.join(', ')}`);
  });

  test("a one-shot emu run loads none of the built-in modules its path does not use (scripts/bundle-cli.mjs's lazy ones)", async () => {
    // What the CLI's own process loaded, written at its exit by a module preloaded through NODE_OPTIONS (sandboxes never inherit it).
    const report = path.join(scratch, 'modules-loaded.json');
    const preload = file('record-modules.cjs', `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(process.moduleLoadList)));`);
    const run = await emu(['run', 'noop.handler', '--code-dir', FIXTURES], { env: { ...process.env, NODE_OPTIONS: `--require ${preload}` } });
    assert.equal(run.code, 0, run.stderr);
    const loaded = (JSON.parse(readFileSync(report, 'utf8')) as string[]).filter((name) => name.startsWith('NativeModule ')).map((name) => name.slice('NativeModule '.length));
    assert.ok(loaded.includes('net'), `the list is the CLI's: ${loaded.join(' ')}`);
    // node:http (the lean Runtime API path serves emu's bootstrap), node:crypto (ids come from src/events/kernel-random.ts),
    // perf_hooks (the clock is src/measure/clock.ts), fs/promises (with the readline it loads), v8, zlib.
    for (const unused of ['http', 'crypto', 'perf_hooks', 'fs/promises', 'readline', 'v8', 'zlib']) assert.ok(!loaded.includes(unused), `${unused} loaded: ${loaded.join(' ')}`);
  });

  test('the event comes from stdin with -, and is {} when none is given', async () => {
    const fromStdin = await emu(['run', 'echo.handler', '-', '--code-dir', FIXTURES], { stdin: '{"via":"stdin"}' });
    assert.deepEqual((JSON.parse(fromStdin.stdout) as { event: unknown }).event, { via: 'stdin' });
    const none = await emu(['run', 'echo.handler', '--code-dir', FIXTURES]);
    assert.deepEqual((JSON.parse(none.stdout) as { event: unknown }).event, {});
  });

  test('-v adds START, END and REPORT with Init Duration on stderr; --json gives one record with the metrics', async () => {
    const run = await emu(['run', 'noop.handler', '--code-dir', FIXTURES, '-v', '--json', '-m', '256']);
    assert.equal(run.code, 0);
    assert.match(run.stderr, /^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/m);
    assert.match(run.stderr, /^END RequestId: /m);
    assert.match(run.stderr, /^REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms$/m);
    const record = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(record.status, 'ok');
    assert.equal(record.payload, null);
    assert.equal(record.coldStart, true);
    assert.equal(record.memorySizeMb, 256);
    assert.equal(record.peakRssMethod, 'proc-vmhwm');
    for (const key of ['requestId', 'initDurationMs', 'durationMs', 'billedDurationMs', 'maxMemoryUsedMb']) assert.ok(record[key] !== undefined && record[key] !== null, key);
  });

  test('--context, --env, --function-name and --region reach the handler', async () => {
    const context = file('context.json', JSON.stringify({ functionVersion: '7', awsRequestId: 'fixed-id', clientContext: { env: { stage: 'dev' } }, identity: { cognitoIdentityId: 'c1' } }));
    const run = await emu(['run', 'echo.handler', '--code-dir', FIXTURES, '--context', context, '--function-name', 'billing', '--region', 'ap-south-1']);
    assert.equal(run.code, 0, run.stderr);
    const { context: seen } = JSON.parse(run.stdout) as { context: Record<string, unknown> };
    assert.equal(seen.functionName, 'billing');
    assert.equal(seen.functionVersion, '7');
    assert.equal(seen.awsRequestId, 'fixed-id');
    assert.equal(seen.invokedFunctionArn, 'arn:aws:lambda:ap-south-1:123456789012:function:billing');
    assert.deepEqual(seen.clientContext, { env: { stage: 'dev' } });
    assert.deepEqual(seen.identity, { cognitoIdentityId: 'c1' });
    const env = await emu(['run', 'env.handler', '--code-dir', FIXTURES, '--env', 'A=1', '--env', 'B=x=y']);
    const seenEnv = (JSON.parse(env.stdout) as { env: Record<string, string> }).env;
    assert.equal(seenEnv.A, '1');
    assert.equal(seenEnv.B, 'x=y');
  });

  test('a function error exits 1 with the AWS error payload on stdout and one line on stderr', async () => {
    const run = await emu(['run', 'throws.handler', '--code-dir', FIXTURES]);
    assert.equal(run.code, 1);
    assert.equal((JSON.parse(run.stdout) as { errorType: string }).errorType, 'PaymentDeclined');
    assert.match(run.stderr, /^emu: the function failed: PaymentDeclined: card expired$/m);
    const missing = await emu(['run', 'nowhere.handler', '--code-dir', FIXTURES]);
    assert.equal(missing.code, 1);
    assert.equal((JSON.parse(missing.stdout) as { errorType: string }).errorType, 'Runtime.ImportModuleError');
  });

  const usageCases: Array<[string, string[], RegExp]> = [
    ['an unknown flag', ['run', 'noop.handler', '--bogus'], /^emu: Unknown option '--bogus'/],
    ['no handler', ['run'], /^emu: missing <handler>/],
    ['a timeout out of range', ['run', 'noop.handler', '-t', '901'], /^emu: timeout \(seconds\) must be between 1 and 900, got 901$/],
    ['a memory size out of range', ['run', 'noop.handler', '-m', '64'], /^emu: memory \(MB\) must be between 128 and 10240, got 64$/],
    ['a timeout that is not a number', ['run', 'noop.handler', '-t', 'soon'], /^emu: --timeout expects a whole number, got 'soon'$/],
    ['a missing event file', ['run', 'noop.handler', 'nope.json'], /^emu: cannot read event file nope\.json: not found$/],
    ['a bad --env', ['run', 'noop.handler', '--env', 'novalue'], /^emu: --env expects KEY=VALUE, got 'novalue'$/],
    ['an unknown command', ['deploy'], /^emu: unknown command 'deploy'/],
    ['a missing code folder', ['run', 'noop.handler', '--code-dir', '/no/such/dir'], /^emu: code folder not found: \/no\/such\/dir$/],
  ];
  for (const [what, args, message] of usageCases) {
    test(`${what} is a usage error: one line, exit 2, nothing on stdout`, async () => {
      const run = await emu([...args, '--code-dir', FIXTURES].slice(0, args.includes('--code-dir') ? args.length : undefined));
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr.trim(), message);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.equal(run.stdout, '');
    });
  }

  test('an event file that is not JSON names the file, the line and the column', async () => {
    const bad = file('bad.json', '{\n  "a": 1,\n  "b": }\n');
    const run = await emu(['run', 'noop.handler', bad, '--code-dir', FIXTURES]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`^emu: event file ${bad.replaceAll('/', '\\/')} is not valid JSON: .* at line 3, column 8$`, 'm'));
  });

  test('--inspect starts the sandbox under the inspector, on 127.0.0.1 only', async () => {
    const run = await emu(['run', 'noop.handler', '--code-dir', FIXTURES, '--inspect=0']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//);
    assert.equal(run.stdout, 'null\n');
  });

  test('--help and --version exit 0', async () => {
    const help = await emu(['run', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--timeout SEC/);
    const version = await emu(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  test('a reader that leaves early (`emu run … | head -c 10`) is no crash: exit 0, no EPIPE trace', async () => {
    const event = file('three-mb.json', JSON.stringify({ bytes: 3_000_000 }));
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'emu.js'), 'run', 'big-response.handler', event, '--code-dir', FIXTURES], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, killSignal: 'SIGKILL' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy()); // like head: takes a little, then closes the pipe
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Unhandled 'error'/);
    assertNoProcessLeft();
  });

  test('a reader slower than the function logs holds the function back, not emu: emu stays small, nothing is lost', async (t) => {
    const event = file('loud.json', JSON.stringify({ fault: 'stdout-100mb' }));
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'emu.js'), 'run', 'faults.handler', event, '--code-dir', FIXTURES, '-t', '30'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, killSignal: 'SIGKILL' });
    let stderrBytes = 0;
    child.stderr.on('data', (chunk: Buffer) => (stderrBytes += chunk.length));
    child.stderr.pause(); // a reader that takes nothing for a while
    let peakKb = 0;
    const sample = setInterval(() => {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (match) peakKb = Math.max(peakKb, Number(match[1]));
    }, 20);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    clearInterval(sample);
    child.stderr.resume();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    assert.ok(stderrBytes >= 100 * 1024 * 1024, `all 100 MB reached stderr (${stderrBytes})`);
    // Without back-pressure emu read the whole 100 MB from the sandbox into its own memory meanwhile.
    t.diagnostic(`emu's peak RSS while its reader waited: ${Math.round(peakKb / 1024)} MB`);
    assert.ok(peakKb < 100 * 1024, `emu's RSS while its reader waited: ${Math.round(peakKb / 1024)} MB`);
    assertNoProcessLeft();
  });

  test('Ctrl-C during an invocation exits 130 and leaves no sandbox behind', async () => {
    const pidFile = path.join(scratch, 'sandbox.pid');
    let cliPid = 0;
    const running = emu(['run', 'pid-then-hang.handler', '--code-dir', FIXTURES, '-t', '60', '--env', `PID_FILE=${pidFile}`], { onSpawn: (pid) => (cliPid = pid) });
    assert.ok(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 10_000), 'the handler started');
    process.kill(cliPid, 'SIGINT');
    const run = await running;
    assert.equal(run.code, 130);
    assert.match(run.stderr, /emu: interrupted/);
    const sandboxPid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(await eventually(() => !isAlive(sandboxPid)), `sandbox ${sandboxPid} survived`);
    assertNoProcessLeft();
  });

  test('if emu itself is SIGKILLed mid-invocation, its sandbox notices and exits within a second', async () => {
    const pidFile = path.join(scratch, 'orphan.pid');
    let cliPid = 0;
    const running = emu(['run', 'pid-then-hang.handler', '--code-dir', FIXTURES, '-t', '60', '--env', `PID_FILE=${pidFile}`], { onSpawn: (pid) => (cliPid = pid) });
    assert.ok(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 10_000), 'the handler started');
    const sandboxPid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(cliPid, 'SIGKILL');
    await running;
    const killedAt = Date.now();
    const gone = await eventually(() => !isAlive(sandboxPid), 3000);
    if (!gone) process.kill(-sandboxPid, 'SIGKILL'); // clean up before failing
    assert.ok(gone, 'the orphaned sandbox lived on');
    assert.ok(Date.now() - killedAt < 1500, `it took ${Date.now() - killedAt} ms`);
  });
});
