// Successful invocations through real sandboxes: payloads, context, environment, callbacks, logs, reuse.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { backPressure } from '../src/index.js';
import { MODES, withEmulator } from './helpers.js';

type Echo = {
  event: unknown;
  context: Record<string, unknown> & { remainingTimeMs: number };
  traceId: string;
  pid: number;
};

for (const mode of MODES) {
  describe(`results (${mode})`, () => {
    test('the payload and every context field reach the handler as on AWS', async () => {
      await withEmulator({ handler: 'echo.handler', mode, functionName: 'orders', region: 'eu-west-1', memoryMb: 256 }, async ({ emulator }) => {
        const result = await emulator.invoke({ id: 7, nested: { ok: true } }, { clientContext: { client: { app: 'x' } }, identity: { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' } });
        assert.equal(result.status, 'ok');
        const echo = result.payload as Echo;
        assert.deepEqual(echo.event, { id: 7, nested: { ok: true } });
        assert.equal(echo.context.functionName, 'orders');
        assert.equal(echo.context.functionVersion, '$LATEST');
        assert.equal(echo.context.memoryLimitInMB, '256'); // a string, as AWS gives it
        assert.equal(echo.context.logGroupName, '/aws/lambda/orders');
        assert.match(String(echo.context.logStreamName), /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
        assert.equal(echo.context.invokedFunctionArn, 'arn:aws:lambda:eu-west-1:123456789012:function:orders');
        assert.equal(echo.context.awsRequestId, result.requestId);
        assert.deepEqual(echo.context.clientContext, { client: { app: 'x' } });
        assert.deepEqual(echo.context.identity, { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' });
        assert.ok(echo.context.remainingTimeMs > 2000 && echo.context.remainingTimeMs <= 3000, `remaining ${echo.context.remainingTimeMs}`);
        assert.equal(echo.context.callbackWaitsForEmptyEventLoop, true);
        assert.match(echo.traceId, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
        assert.equal(result.payloadJson, JSON.stringify(echo));
        assert.equal(result.metrics.coldStart, true);
        assert.ok((result.metrics.initDurationMs ?? 0) > 0);
        assert.equal(result.metrics.memorySizeMb, 256);
        assert.equal(result.metrics.billedDurationMs, Math.ceil(result.metrics.durationMs + (result.metrics.initDurationMs ?? 0)));
      });
    });

    test('the sandbox environment is built explicitly: AWS variables and the function’s own, nothing of ours', async () => {
      process.env.EMU_TEST_SUPERVISOR_SECRET = 'must-not-leak';
      await withEmulator({ handler: 'env.handler', mode, functionName: 'envy', env: { TABLE: 'orders', AWS_REGION: 'mars-1' } }, async ({ emulator, warnings }) => {
        const { payload } = await emulator.invoke({});
        const { env, cwd, execArgv } = payload as { env: Record<string, string>; cwd: string; execArgv: string[] };
        assert.equal(env.TABLE, 'orders');
        assert.equal(env.AWS_REGION, 'us-east-1', 'reserved variables cannot be overridden');
        assert.ok(warnings.some((w) => w.includes('AWS_REGION')), 'a warning says the override was refused');
        assert.equal(env.EMU_TEST_SUPERVISOR_SECRET, undefined);
        assert.equal(env.NODE_EXTRA_CA_CERTS, undefined);
        assert.equal(env.HOME, undefined);
        for (const key of ['_HANDLER', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR', 'AWS_DEFAULT_REGION', 'NODE_PATH']) {
          assert.ok(env[key], `${key} is set`);
        }
        assert.equal(env._HANDLER, 'env.handler');
        assert.equal(env.TZ, ':UTC');
        assert.equal(env.AWS_LAMBDA_INITIALIZATION_TYPE, 'on-demand');
        assert.match(env.AWS_LAMBDA_RUNTIME_API ?? '', /^127\.0\.0\.1:\d+$/);
        assert.equal(cwd, env.LAMBDA_TASK_ROOT);
        assert.deepEqual(execArgv.slice(0, 2), ['--max-semi-space-size=6', '--max-old-space-size=116']);
      });
      delete process.env.EMU_TEST_SUPERVISOR_SECRET;
    });

    test('callback handlers: waiting for the empty event loop, answering at once, failing, never calling', async () => {
      await withEmulator({ handler: 'callbacks.waits', mode }, async ({ emulator }) => {
        const result = await emulator.invoke({});
        assert.deepEqual(result.payload, { answeredBeforeTimer: false });
        assert.ok(result.metrics.durationMs >= 45, `the answer waited for the 50 ms timer to drain (${result.metrics.durationMs} ms)`);
      });
      await withEmulator({ handler: 'callbacks.noWait', mode }, async ({ emulator }) => {
        const result = await emulator.invoke({});
        assert.equal(result.payload, 'answered at once');
        assert.ok(result.metrics.durationMs < 900, `answered without waiting for the 1 s timer (${result.metrics.durationMs} ms)`);
      });
      await withEmulator({ handler: 'callbacks.fails', mode }, async ({ emulator }) => {
        const result = await emulator.invoke({});
        assert.equal(result.status, 'error');
        assert.equal(result.error?.errorType, 'Error');
        assert.equal(result.error?.errorMessage, 'callback failure');
      });
      await withEmulator({ handler: 'callbacks.neverCalls', mode }, async ({ emulator }) => {
        const result = await emulator.invoke({});
        assert.equal(result.status, 'ok');
        assert.equal(result.payloadJson, 'null');
      });
      await withEmulator({ handler: 'callbacks.succeedLegacy', mode }, async ({ emulator }) => {
        assert.deepEqual((await emulator.invoke({})).payload, { legacy: true });
      });
      await withEmulator({ handler: 'callbacks.twice', mode }, async ({ emulator }) => {
        assert.equal((await emulator.invoke({})).payload, 'first', 'only the first completion counts');
      });
    });

    test('console output is in Lambda’s format, one record per call, tagged with the request id', async () => {
      await withEmulator({ handler: 'logs.handler', mode }, async ({ emulator }) => {
        const result = await emulator.invoke({}, { captureLogs: true });
        const lines = (result.logs ?? '').trimEnd().split('\n');
        const id = result.requestId;
        const iso = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';
        assert.match(lines[0] ?? '', new RegExp(`^${iso}\\t${id}\\tINFO\\tfirst line\\rsecond line$`));
        assert.match(lines[1] ?? '', new RegExp(`^${iso}\\t${id}\\tINFO\\tinfo \\{ a: 1 \\}$`));
        assert.match(lines[2] ?? '', new RegExp(`\\t${id}\\tWARN\\tcareful$`));
        assert.match(lines[3] ?? '', new RegExp(`\\t${id}\\tERROR\\tbad thing$`));
        assert.match(lines[4] ?? '', new RegExp(`\\t${id}\\tDEBUG\\tdetails$`));
        assert.equal(lines.length, 5);
      });
    });

    test('START, END and REPORT lines carry AWS’s fields', async () => {
      const lines: string[] = [];
      await withEmulator({ handler: 'noop.handler', mode, onPlatformLog: (line) => lines.push(line) }, async ({ emulator }) => {
        const first = await emulator.invoke({});
        const second = await emulator.invoke({});
        assert.equal(lines[0], `START RequestId: ${first.requestId} Version: $LATEST`);
        assert.equal(lines[1], `END RequestId: ${first.requestId}`);
        assert.match(lines[2] ?? '', new RegExp(`^REPORT RequestId: ${first.requestId}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: \\d+\\.\\d{2} ms$`));
        const secondReport = lines[5] ?? '';
        assert.ok(secondReport.startsWith(`REPORT RequestId: ${second.requestId}`));
        assert.equal(secondReport.includes('Init Duration'), mode === 'cold', 'Init Duration only on a cold start');
      });
    });
  });
}

describe('sandbox reuse', () => {
  test('warm mode reuses one sandbox: module state carries over', async () => {
    await withEmulator({ handler: 'counter.handler', mode: 'warm' }, async ({ emulator }) => {
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await emulator.invoke({}));
      const payloads = results.map((r) => r.payload as { invocations: number; pid: number });
      assert.deepEqual(payloads.map((p) => p.invocations), [1, 2, 3]);
      assert.equal(new Set(payloads.map((p) => p.pid)).size, 1);
      assert.deepEqual(results.map((r) => r.metrics.coldStart), [true, false, false]);
    });
  });

  test('cold mode gives every invocation a new process', async () => {
    await withEmulator({ handler: 'counter.handler', mode: 'cold' }, async ({ emulator }) => {
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await emulator.invoke({}));
      const payloads = results.map((r) => r.payload as { invocations: number; pid: number });
      assert.deepEqual(payloads.map((p) => p.invocations), [1, 1, 1]);
      assert.equal(new Set(payloads.map((p) => p.pid)).size, 3);
      assert.ok(results.every((r) => r.metrics.coldStart && r.metrics.initDurationMs !== undefined));
    });
  });

  test('warm mode: a timer left pending when a handler answered still runs before the next invocation', async () => {
    await withEmulator({ handler: 'callbacks.steps', mode: 'warm' }, async ({ emulator }) => {
      assert.equal((await emulator.invoke({ step: 'leave-timer' })).payload, 'answered at once');
      assert.deepEqual((await emulator.invoke({ step: 'ask' })).payload, { timerFired: false }, 'the 1 s timer has not fired yet');
      await new Promise((resolve) => setTimeout(resolve, 1200));
      assert.deepEqual((await emulator.invoke({ step: 'ask' })).payload, { timerFired: true }, 'the same sandbox kept running it between invocations');
    });
  });

  test('warm concurrency runs invocations side by side in separate sandboxes', async () => {
    await withEmulator({ handler: 'counter.handler', mode: 'warm', concurrency: 2 }, async ({ emulator }) => {
      const results = await Promise.all([emulator.invoke({}), emulator.invoke({})]);
      const pids = results.map((r) => (r.payload as { pid: number }).pid);
      assert.equal(new Set(pids).size, 2);
    });
  });
});

describe('backPressure (for onLog)', () => {
  test('nothing while the stream takes more; once full, one shared wait however many sandboxes ask, settled by drain', async () => {
    let release = (): void => {};
    const slow = new Writable({ highWaterMark: 4, write: (_chunk, _encoding, callback) => (release = callback) });
    assert.equal(backPressure(slow), undefined);
    slow.write('more than four bytes');
    const waits = Array.from({ length: 20 }, () => backPressure(slow));
    assert.ok(waits[0] instanceof Promise);
    assert.ok(waits.every((wait) => wait === waits[0]), 'one promise for every caller');
    assert.equal(slow.listenerCount('drain'), 1, 'one drain listener, not one per chunk');
    release();
    await waits[0];
    assert.equal(slow.listenerCount('drain'), 0);
    assert.equal(backPressure(slow), undefined);
  });
});

