// Python functions through everything else of emu: the CLI (run, --stream, serve's routes and Invoke API),
// the interpreter's selection (real python3.11, fake python3.X shims on PATH), and the limits: the timeout's
// hard kill of a loop and its grandchild, the memory limit, a 7 MB answer, os._exit. Nothing left behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { assertNoProcessLeft, eventually, FIXTURES, isAlive, runEmu, withEmulator } from './helpers.js';
import { send, startServe } from './serve-helpers.js';

const PYTHON = path.join(FIXTURES, 'python-cli');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'emu-python-cli-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
  assertNoProcessLeft();
});
const REAL_PYTHON = '/usr/bin/python3.11';

interface Report {
  version: string;
  executionEnv: string;
  event: unknown;
}

describe('the CLI', () => {
  test('emu run --runtime python3.11, and a .py module selecting Python by itself, saying so once', async () => {
    const run = await runEmu(['run', 'faults.report', '-', '--runtime', 'python3.11', '--code-dir', PYTHON, '--no-credentials'], { stdin: '{"a":1}' });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { version: '3.11', executionEnv: 'AWS_Lambda_python3.11', event: { a: 1 } });
    assert.doesNotMatch(run.stderr, /warning/);
    const bare = await runEmu(['run', 'faults.report', '-', '--code-dir', PYTHON, '--no-credentials'], { stdin: '{}' });
    assert.equal(bare.code, 0, bare.stderr);
    assert.equal(bare.stderr.match(/faults\.py is Python: running it as python3\.\d+/g)?.length, 1, bare.stderr);
  });

  test('--stream: one answer line per event, in order', async () => {
    const run = await runEmu(['run', 'faults.report', '-', '--stream', '--runtime', 'python3.11', '--code-dir', PYTHON, '--no-credentials'], { stdin: '{"n":1}\n{"n":2}\n{"n":3}\n' });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n').map((line) => (JSON.parse(line) as Report).event), [{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  test('emu event piped into emu run, and emu bench: its cold-start breakdown starts from python3.X -c pass and a Python no-op', async () => {
    const event = await runEmu(['event', 'sqs', 'receive-message', '--set', 'Records[0].body=from-emu-event']);
    assert.equal(event.code, 0, event.stderr);
    const run = await runEmu(['run', 'faults.report', '-', '--runtime', 'python3.11', '--code-dir', PYTHON, '--no-credentials'], { stdin: event.stdout });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { event: { Records: Array<{ body: string }> } }).event.Records[0]?.body, 'from-emu-event');
    const bench = await runEmu(['bench', 'faults.report', '--runtime', 'python3.11', '--code-dir', PYTHON, '--no-credentials', '-n', '2', '--json'], { timeoutMs: 120_000 });
    assert.equal(bench.code, 0, bench.stderr);
    const report = JSON.parse(bench.stdout) as { modes: { cold: { failed: number } }; coldStartPenalty?: { breakdown: { startCommand: string; noopInitDurationMs: { count: number } } } };
    assert.equal(report.modes.cold.failed, 0);
    assert.match(String(report.coldStartPenalty?.breakdown.startCommand), /^python3\.11 -c pass$/);
    assert.equal(report.coldStartPenalty?.breakdown.noopInitDurationMs.count, 2, 'the no-op reference is a Python one that loads');
  });

  test('serve --template: a Python function behind an HTTP API route and the Invoke API', async () => {
    const serve = await startServe(['--template', path.join(PYTHON, 'template.yaml'), '--no-credentials']);
    try {
      const routed = await send(`${serve.url}/report`, { method: 'POST', body: '{"via":"route"}' });
      assert.equal(routed.status, 200, serve.stderr());
      assert.equal((routed.json() as Report).executionEnv, 'AWS_Lambda_python3.11');
      const invoked = await send(`${serve.url}/2015-03-31/functions/ReportFunction/invocations`, { method: 'POST', body: '{"via":"invoke"}' });
      assert.deepEqual((invoked.json() as Report).event, { via: 'invoke' });
    } finally {
      await serve.stop();
    }
  });
});

describe('serve --watch', () => {
  test('a saved .py file gives the next requests fresh sandboxes running it, even saved within the second at the same size; no bytecode lands beside it', async () => {
    const dir = mkdtempSync(path.join(scratch, 'watch-'));
    writeFileSync(path.join(dir, 'watched.py'), 'def handler(event, context):\n    return {"version": 1}\n');
    const serve = await startServe(['watched.handler', '--code-dir', dir, '--runtime', 'python3.11', '--watch', '--no-credentials']);
    try {
      assert.equal((await send(serve.url)).text, '{"version": 1}', serve.stderr());
      // The same size and, as Python sees it, the same mtime (whole seconds): a save within the second of the last.
      const before = statSync(path.join(dir, 'watched.py'));
      writeFileSync(path.join(dir, 'watched.py'), 'def handler(event, context):\n    return {"version": 2}\n');
      utimesSync(path.join(dir, 'watched.py'), before.atime, before.mtime);
      let latest = '';
      for (const until = Date.now() + 10_000; latest !== '{"version": 2}' && Date.now() < until; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        latest = (await send(serve.url)).text;
      }
      assert.equal(latest, '{"version": 2}', serve.stderr());
      assert.match(serve.stderr(), /watched\.py changed; new requests get fresh sandboxes/);
      assert.deepEqual(readdirSync(dir), ['watched.py'], 'PYTHONPYCACHEPREFIX keeps __pycache__ out of the code folder');
    } finally {
      await serve.stop();
    }
  });
});

describe('a Python client', () => {
  const SYSTEM_PYTHON = '/usr/bin/python3';
  const boto3 = spawnSync(SYSTEM_PYTHON, ['-c', 'import boto3'], { encoding: 'utf8', timeout: 30_000 });
  const missing = boto3.status === 0 ? undefined : `boto3 is not installed for ${SYSTEM_PYTHON} (apt-get install python3-boto3; .ci/run does): ${boto3.stderr?.trim().split('\n').at(-1) ?? boto3.error?.message}`;
  if (missing !== undefined) process.stderr.write(`skipping the boto3 test: ${missing}\n`);

  test('boto3 calls serve\'s Invoke API as it calls sam local start-lambda: answers, FunctionError, the log tail, Event, a missing function', { skip: missing }, async () => {
    const serve = await startServe(['--template', path.join(PYTHON, 'template.yaml'), '--no-credentials']);
    try {
      const run = spawnSync(SYSTEM_PYTHON, [path.join(PYTHON, 'boto3_client.py'), serve.url], { encoding: 'utf8', timeout: 60_000, env: { PATH: '/usr/bin:/bin', HOME: scratch } });
      assert.equal(run.status, 0, `${run.stderr}\n${serve.stderr()}`);
      const got = JSON.parse(run.stdout) as { status: number; payload: Report; tail: string; functionError: string; errorPayload: { errorType: string; errorMessage: string }; queuedStatus: number; missing: string };
      assert.equal(got.status, 200);
      assert.deepEqual(got.payload.event, { via: 'boto3' });
      assert.match(got.tail, /START RequestId: \S+ Version: \$LATEST/);
      assert.match(got.tail, /REPORT RequestId: /);
      assert.equal(got.functionError, 'Unhandled');
      assert.deepEqual([got.errorPayload.errorType, got.errorPayload.errorMessage], ['ValueError', 'bad 2']);
      assert.equal(got.queuedStatus, 202);
      assert.equal(got.missing, 'ResourceNotFoundException');
    } finally {
      await serve.stop();
    }
  });
});

describe('which interpreter', () => {
  /** A PATH holding only fake python3.X shims (each execs the real python3.11), and no pyenv. */
  function fakePythons(versions: string[]): NodeJS.ProcessEnv {
    const bin = path.join(scratch, `bin-${versions.join('-') || 'none'}`);
    mkdirSync(bin, { recursive: true });
    for (const version of versions) {
      const shim = path.join(bin, `python${version}`);
      writeFileSync(shim, `#!/bin/sh\nexec ${REAL_PYTHON} "$@"\n`);
      chmodSync(shim, 0o755);
    }
    return { ...process.env, PATH: `${bin}:/usr/local/sbin/none`, PYENV_ROOT: path.join(scratch, 'no-pyenv') };
  }

  test('python3.12 runs on a python3.12 found on PATH; AWS_EXECUTION_ENV says so', async () => {
    const run = await runEmu(['run', 'faults.report', '-', '--runtime', 'python3.12', '--code-dir', PYTHON, '--no-credentials'], { stdin: '{}', env: fakePythons(['3.10', '3.12']) });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as Report).executionEnv, 'AWS_Lambda_python3.12');
    assert.doesNotMatch(run.stderr, /warning/);
  });

  test('a version that is not there: runs on what there is, with one warning line naming what was found', async () => {
    const run = await runEmu(['run', 'faults.report', '-', '--runtime', 'python3.13', '--code-dir', PYTHON, '--no-credentials'], { stdin: '{}', env: fakePythons(['3.10']) });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^emu: warning: python3\.13: no Python 3\.13 found \(found: 3\.10 \(PATH\)\); running on \S+python3\.10\. Install python3\.13 \(pyenv install 3\.13\), or give --python PATH$/m);
  });

  test('no Python at all: exit 2, one line; --python PATH (a virtual environment’s) is used as given', async () => {
    const none = await runEmu(['run', 'faults.report', '-', '--runtime', 'python3.11', '--code-dir', PYTHON, '--no-credentials'], { stdin: '{}', env: fakePythons([]) });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^emu: python3\.11: no Python 3 found \(on PATH or in pyenv's versions\); install python3\.11, or give --python PATH\n$/);
    const venv = path.join(scratch, 'venv-bin');
    mkdirSync(venv, { recursive: true });
    writeFileSync(path.join(venv, 'python'), `#!/bin/sh\nexec ${REAL_PYTHON} "$@"\n`);
    chmodSync(path.join(venv, 'python'), 0o755);
    const given = await runEmu(['run', 'faults.report', '-', '--python', path.join(venv, 'python'), '--code-dir', PYTHON, '--no-credentials'], { stdin: '{}', env: fakePythons([]) });
    assert.equal(given.code, 0, given.stderr);
    assert.equal((JSON.parse(given.stdout) as Report).executionEnv, 'AWS_Lambda_python3.11', 'the version asked of the interpreter itself');
  });
});

describe("emu's limits, for Python", () => {
  const python = { codeDir: PYTHON, runtime: 'python3.11' };

  test('a loop that never ends, and the grandchild it started: the timeout kills them both', async () => {
    const pidFile = path.join(scratch, 'grandchild.pid');
    await withEmulator({ ...python, handler: 'faults.grandchild', timeoutSeconds: 1 }, async ({ emulator }) => {
      const result = await emulator.invoke({ pidFile });
      assert.equal(result.error?.errorType, 'Sandbox.Timedout');
      const grandchild = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(await eventually(() => !isAlive(grandchild)), `grandchild ${grandchild} survived`);
    });
  });

  test('a memory spike past the limit is Runtime.OutOfMemory; under it, the peak is reported', async () => {
    await withEmulator({ ...python, handler: 'faults.spike', memoryMb: 128 }, async ({ emulator }) => {
      const under = await emulator.invoke({ mb: 40 });
      assert.equal(under.status, 'ok', under.payloadJson);
      assert.ok((under.metrics.maxMemoryUsedMb ?? 0) >= 40, `${under.metrics.maxMemoryUsedMb} MB`);
      const over = await emulator.invoke({ mb: 200 });
      assert.equal(over.error?.errorType, 'Runtime.OutOfMemory');
    });
  });

  test('a 7 MB answer is Function.ResponseSizeTooLarge; os._exit is Runtime.ExitError; the loop under --cold', async () => {
    await withEmulator({ ...python, handler: 'faults.big' }, async ({ emulator }) => {
      assert.equal((await emulator.invoke({})).error?.errorType, 'Function.ResponseSizeTooLarge');
    });
    await withEmulator({ ...python, handler: 'faults.hard_exit' }, async ({ emulator }) => {
      const result = await emulator.invoke({});
      assert.equal(result.error?.errorType, 'Runtime.ExitError');
      assert.match(result.error?.errorMessage ?? '', /exit status 4/);
    });
    await withEmulator({ ...python, handler: 'faults.spins', mode: 'cold', timeoutSeconds: 1 }, async ({ emulator }) => {
      assert.equal((await emulator.invoke({})).error?.errorType, 'Sandbox.Timedout');
    });
  });
});
