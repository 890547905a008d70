// One way from options to a function: the same flags, context file, env files, template and defaults
// give the same function in emu run, emu run --stream, emu bench and emu serve (bare and --template).
// Every command runs as a user runs it: the real CLI (bin/emu.js), real sandboxes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { assertNoProcessLeft, FIXTURES, runEmu, type CliRun } from './helpers.js';
import { send, startServe } from './serve-helpers.js';

const OPTIONS = path.join(FIXTURES, 'options');
const VARS = path.join(OPTIONS, 'vars.json');
const DOTENV = path.join(OPTIONS, 'app.env');
const scratch = mkdtempSync(path.join(tmpdir(), 'emu-function-options-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
/** No command may hang the suite: past this, emu is sent SIGTERM (it then ends its sandboxes and exits). */
const WATCHDOG_MS = 60_000;

function watchdog(pid: number): () => void {
  const timer = setTimeout(() => process.kill(pid, 'SIGTERM'), WATCHDOG_MS);
  return () => clearTimeout(timer);
}

async function emu(args: string[], stdin?: string, cwd?: string): Promise<CliRun> {
  let cancel = (): void => {};
  const run = await runEmu(args, { ...(stdin === undefined ? {} : { stdin }), ...(cwd === undefined ? {} : { cwd }), onSpawn: (pid) => (cancel = watchdog(pid)) });
  cancel();
  return run;
}

/** What test/fixtures/options/observe.mjs reports. */
interface Observed {
  functionName: string;
  functionVersion: string;
  memoryLimitInMB: string;
  memorySizeVariable: string;
  region: string;
  invokedFunctionArn: string;
  remainingTimeMs: number;
  credentials: boolean;
  env: Record<string, string>;
  pid: number;
}

/** The observation minus what differs from one invocation to the next; the time left is checked against the timeout instead. */
function settled(observed: Observed, timeoutSeconds: number): Omit<Observed, 'pid' | 'remainingTimeMs'> {
  const { pid: _pid, remainingTimeMs, ...rest } = observed;
  assert.ok(remainingTimeMs <= timeoutSeconds * 1000 && remainingTimeMs > timeoutSeconds * 1000 - 10_000, `${remainingTimeMs} ms left of ${timeoutSeconds} s`);
  return rest;
}

function contextFile(fields: Record<string, unknown>): string {
  const file = path.join(scratch, `context-${Object.keys(fields).join('-')}-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(fields));
  return file;
}

async function viaRun(args: string[]): Promise<Observed> {
  const run = await emu(['run', 'observe.handler', '--code-dir', OPTIONS, ...args]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Observed;
}

async function viaStream(args: string[]): Promise<Observed> {
  const run = await emu(['run', 'observe.handler', '-', '--stream', '--code-dir', OPTIONS, ...args], '{}\n');
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1, run.stdout);
  return JSON.parse(lines[0] as string) as Observed;
}

/** emu bench prints figures, not payloads: with -v the function's own log line says what it saw. */
async function viaBench(args: string[]): Promise<Observed> {
  const run = await emu(['bench', 'observe.handler', '--code-dir', OPTIONS, '--runs', '1', '--modes', 'warm', '-v', ...args]);
  assert.equal(run.code, 0, run.stderr);
  const line = /\tINFO\tobserved (\{.*\})$/m.exec(run.stderr);
  assert.ok(line !== null, run.stderr);
  return JSON.parse(line[1] as string) as Observed;
}

/** Through the Invoke API, which answers with the payload as is. */
async function viaServe(args: string[], functionName: string): Promise<Observed> {
  const serve = await startServe(args);
  const cancel = watchdog(serve.pid); // a request that never answers fails when the server stops
  try {
    const response = await send(`${serve.url}/2015-03-31/functions/${functionName}/invocations`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 200, `${response.text}\n${serve.stderr()}`);
    return response.json<Observed>();
  } finally {
    cancel();
    await serve.stop();
  }
}

describe('the same options in run, run --stream, bench and serve', () => {
  // Everything every command takes: flags, env files, and the defaults for what no flag says.
  const shared = ['-m', '512', '-t', '20', '--region', 'eu-west-3', '--env-vars', VARS, '--env-file', DOTENV, '--env', 'FLAG=flag', '--no-credentials'];
  const expected = {
    functionName: 'agreed',
    functionVersion: '$LATEST',
    memoryLimitInMB: '512',
    memorySizeVariable: '512',
    region: 'eu-west-3',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-3:123456789012:function:agreed',
    credentials: false,
    env: { FLAG: 'flag', FROM_AGREED_BLOCK: 'agreed', FROM_DOTENV: 'dotenv', FROM_PARAMETERS: 'parameters', SHARED: 'from the env file' },
  };

  test('flags and env files: the four commands, and a template that leaves everything to them, give one function', async () => {
    const named = [...shared, '--function-name', 'agreed'];
    const seen = {
      run: await viaRun(named),
      stream: await viaStream(named),
      bench: await viaBench(named),
      serve: await viaServe(['observe.handler', '--code-dir', OPTIONS, ...named], 'agreed'),
      'serve --template': await viaServe(['--template', path.join(OPTIONS, 'agreement.yaml'), ...shared], 'agreed'),
    };
    for (const [command, observed] of Object.entries(seen)) assert.deepEqual(settled(observed, 20), expected, command);
    assertNoProcessLeft();
  });

  test('defaults: with no option at all the four commands agree on the name, memory, timeout, region and version', async () => {
    const defaults = { ...expected, functionName: 'observe', memoryLimitInMB: '128', memorySizeVariable: '128', region: 'us-east-1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:observe', env: {} };
    const seen = {
      run: await viaRun(['--no-credentials']),
      stream: await viaStream(['--no-credentials']),
      bench: await viaBench(['--no-credentials']),
      serve: await viaServe(['observe.handler', '--code-dir', OPTIONS, '--no-credentials'], 'observe'),
    };
    for (const [command, observed] of Object.entries(seen)) assert.deepEqual(settled(observed, 3), defaults, command);
    assertNoProcessLeft();
  });
});

describe('a template function by its logical id', () => {
  // Run from the template's folder: run, run --stream and bench find ./template.yaml as SAM does, serve is given it.
  const args = ['--no-credentials', '--parameter-overrides', 'Colour=green'];
  const expected = {
    functionName: 'observer',
    functionVersion: '$LATEST',
    memoryLimitInMB: '384',
    memorySizeVariable: '384',
    region: 'us-east-1',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:observer',
    credentials: false,
    env: { COLOUR: 'green', SHARED: 'from the template', TEMPLATE_ONLY: 'kept' },
  };

  test("run, run --stream, bench and serve --template all give it the template's name, memory, timeout and Environment", async () => {
    const run = await emu(['run', 'ObserveFunction', '-', ...args], '{}', OPTIONS);
    assert.equal(run.code, 0, run.stderr);
    const stream = await emu(['run', 'ObserveFunction', '-', '--stream', ...args], '{}\n', OPTIONS);
    assert.equal(stream.code, 0, stream.stderr);
    const bench = await emu(['bench', 'ObserveFunction', '--runs', '1', '--modes', 'warm', '-v', ...args], undefined, OPTIONS);
    assert.equal(bench.code, 0, bench.stderr);
    const benchLine = /\tINFO\tobserved (\{.*\})$/m.exec(bench.stderr);
    assert.ok(benchLine !== null, bench.stderr);
    const seen = {
      run: JSON.parse(run.stdout) as Observed,
      stream: JSON.parse(stream.stdout) as Observed,
      bench: JSON.parse(benchLine[1] as string) as Observed,
      'serve --template': await viaServe(['--template', path.join(OPTIONS, 'template.yaml'), ...args], 'ObserveFunction'),
    };
    for (const [command, observed] of Object.entries(seen)) assert.deepEqual(settled(observed, 12), expected, command);
    assertNoProcessLeft();
  });

  test('flags still win over the template, field by field', async () => {
    const run = await emu(['run', 'ObserveFunction', '-', ...args, '-m', '1024', '-t', '5', '--env', 'SHARED=from --env'], '{}', OPTIONS);
    assert.equal(run.code, 0, run.stderr);
    const observed = settled(JSON.parse(run.stdout) as Observed, 5);
    assert.equal(observed.memoryLimitInMB, '1024');
    assert.deepEqual(observed.env, { ...expected.env, SHARED: 'from --env' });
  });

  test('an unknown logical id exits 2 naming the functions there are; a FunctionName is pointed to its logical id', async () => {
    const unknown = await emu(['run', 'NoSuchFunction', '-', '--no-credentials'], '{}', OPTIONS);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /^emu: template\.yaml has no function 'NoSuchFunction'; its functions: ObserveFunction, BarrierFunction\n$/);
    const byName = await emu(['bench', 'observer', '--no-credentials'], undefined, OPTIONS);
    assert.equal(byName.code, 2);
    assert.match(byName.stderr, /'observer' is the FunctionName of ObserveFunction: functions are named by logical id/);
  });

  test('a handler string keeps working beside a template: a word with a dot is never looked up', async () => {
    const run = await emu(['run', 'observe.handler', '-', '--no-credentials'], '{}', OPTIONS);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as Observed).functionName, 'observe');
  });
});

describe('--context in run and run --stream', () => {
  test("a context file's functionName chooses the --env-vars block, as a --function-name would, in both", async () => {
    const args = ['--context', contextFile({ functionName: 'renamed', functionVersion: '7', memoryLimitInMB: 256 }), '--env-vars', VARS, '--no-credentials'];
    const expected = {
      functionName: 'renamed',
      functionVersion: '7',
      memoryLimitInMB: '256',
      memorySizeVariable: '256',
      region: 'us-east-1',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:renamed',
      credentials: false,
      env: { FROM_PARAMETERS: 'parameters', FROM_RENAMED_BLOCK: 'renamed', SHARED: 'from the renamed block' },
    };
    assert.deepEqual(settled(await viaRun(args), 3), expected, 'run');
    assert.deepEqual(settled(await viaStream(args), 3), expected, 'run --stream');
    assertNoProcessLeft();
  });

  test('flags beat the context file, field by field; what no flag gives still comes from the file', async () => {
    const context = contextFile({ functionName: 'renamed', functionVersion: '7', memoryLimitInMB: 256 });
    const args = ['--context', context, '--function-name', 'agreed', '-m', '1024', '--env-vars', VARS, '--no-credentials'];
    const expected = {
      functionName: 'agreed',
      functionVersion: '7',
      memoryLimitInMB: '1024',
      memorySizeVariable: '1024',
      region: 'us-east-1',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:agreed',
      credentials: false,
      env: { FROM_AGREED_BLOCK: 'agreed', FROM_PARAMETERS: 'parameters', SHARED: 'from the agreed block' },
    };
    assert.deepEqual(settled(await viaRun(args), 3), expected, 'run');
    assert.deepEqual(settled(await viaStream(args), 3), expected, 'run --stream');
    assertNoProcessLeft();
  });
});
