// Failed invocations: AWS error payloads, timeouts with a hard kill, crashes, and the next event still answered.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertGone, eventually, isAlive, MODES, withEmulator } from './helpers.js';

for (const mode of MODES) {
  describe(`failures (${mode})`, () => {
    test('a thrown Error subclass comes back in AWS’s shape, extra properties logged', async () => {
      await withEmulator({ handler: 'throws.handler', mode }, async ({ emulator, output }) => {
        const result = await emulator.invoke({});
        assert.equal(result.status, 'error');
        const payload = result.payload as { errorType: string; errorMessage: string; trace: string[] };
        assert.equal(payload.errorType, 'PaymentDeclined');
        assert.equal(payload.errorMessage, 'card expired');
        assert.ok(Array.isArray(payload.trace) && payload.trace[0]?.startsWith('PaymentDeclined: card expired'));
        assert.equal(result.metrics.sandboxLost, false);
        assert.ok(await eventually(() => output().includes('Invoke Error')));
        assert.match(output(), /\tERROR\tInvoke Error \t\{"errorType":"PaymentDeclined","errorMessage":"card expired","code":"CARD_EXPIRED"/);
      });
    });

    test('a thrown string and a synchronous TypeError', async () => {
      await withEmulator({ handler: 'throws.throwsString', mode }, async ({ emulator }) => {
        assert.deepEqual((await emulator.invoke({})).payload, { errorType: 'string', errorMessage: 'plain string', trace: [] });
      });
      await withEmulator({ handler: 'throws.syncThrows', mode }, async ({ emulator }) => {
        const { error } = await emulator.invoke({});
        assert.equal(error?.errorType, 'TypeError');
        assert.equal(error?.errorMessage, 'sync boom');
      });
    });

    test('a promise that can never settle fails with Runtime.NodeJsExit', async () => {
      await withEmulator({ handler: 'never-resolves.handler', mode }, async ({ emulator }) => {
        const { error } = await emulator.invoke({});
        assert.equal(error?.errorType, 'Runtime.NodeJsExit');
      });
    });

    test('a timeout kills the whole sandbox at the deadline; the next invocation gets a new one', async () => {
      await withEmulator({ handler: 'hangs.handler', mode, timeoutSeconds: 1 }, async ({ emulator }) => {
        const first = await emulator.invoke({});
        assert.equal(first.error?.errorType, 'Sandbox.Timedout');
        assert.equal(first.error?.errorMessage, `RequestId: ${first.requestId} Error: Task timed out after 1.00 seconds`);
        assert.equal(first.metrics.durationMs, 1000, 'REPORT caps Duration at the timeout');
        assert.ok(first.metrics.callerLatencyMs < 2500, `killed promptly (${first.metrics.callerLatencyMs} ms)`);
        assert.equal(first.metrics.sandboxLost, true);
        const second = await emulator.invoke({});
        assert.equal(second.error?.errorType, 'Sandbox.Timedout');
        assert.equal(second.metrics.coldStart, true, 'a timed-out sandbox is never reused');
      });
    });

    test('a synchronous infinite loop is stopped by the timeout too', async () => {
      await withEmulator({ handler: 'hangs.busyLoop', mode, timeoutSeconds: 1 }, async ({ emulator }) => {
        assert.equal((await emulator.invoke({})).error?.errorType, 'Sandbox.Timedout');
      });
    });

    test('a timeout kills grandchildren, the one in its own session too', async () => {
      let grandchildren: number[] = [];
      await withEmulator({ handler: 'spawns-grandchild.handler', mode, timeoutSeconds: 1 }, async ({ emulator, output }) => {
        const result = await emulator.invoke({});
        assert.equal(result.error?.errorType, 'Sandbox.Timedout');
        grandchildren = (JSON.parse(/\{"grandchildren".*\}/.exec(output())?.[0] ?? '{}') as { grandchildren: number[] }).grandchildren;
        assert.equal(grandchildren.length, 2);
      });
      assert.ok(await eventually(() => grandchildren.every((pid) => !isAlive(pid))), `grandchildren left: ${grandchildren.filter(isAlive)}`);
    });

    test('a grandchild that escaped into its own session is ended when its sandbox crashes', async () => {
      let escaped = 0;
      await withEmulator({ handler: 'escapes-then-exits.handler', mode }, async ({ emulator, output }) => {
        const result = await emulator.invoke({});
        assert.equal(result.error?.errorType, 'Runtime.ExitError');
        assert.match(result.error?.errorMessage ?? '', /exit status 3$/);
        escaped = (JSON.parse(/\{"escaped".*\}/.exec(output())?.[0] ?? '{}') as { escaped: number }).escaped;
        assert.ok(escaped > 0);
        assert.ok(await eventually(() => !isAlive(escaped)), `escaped grandchild ${escaped} survived its sandbox`);
      });
    });

    test('process.exit, SIGKILL and SIGSEGV mid-invocation give Runtime.ExitError; the next event is answered', async () => {
      const cases = [
        ['exits.exit1', 'Runtime exited with error: exit status 1'],
        ['exits.exit0', 'Runtime exited without providing a reason'],
        ['exits.sigkill', 'Runtime exited with error: signal: killed'],
        ['exits.segfault', 'Runtime exited with error: signal: segmentation fault'],
      ] as const;
      for (const [handler, message] of cases) {
        await withEmulator({ handler, mode }, async ({ emulator }) => {
          const first = await emulator.invoke({});
          assert.equal(first.error?.errorType, 'Runtime.ExitError', handler);
          assert.equal(first.error?.errorMessage, `RequestId: ${first.requestId} Error: ${message}`);
          assert.equal(first.metrics.sandboxLost, true);
          const second = await emulator.invoke({});
          assert.equal(second.error?.errorType, 'Runtime.ExitError', 'answered by a fresh sandbox');
          assert.equal(second.metrics.coldStart, true);
        });
      }
    });

    test('an unhandled rejection fails the invocation with Runtime.UnhandledPromiseRejection', async () => {
      await withEmulator({ handler: 'unhandled-rejection.handler', mode }, async ({ emulator }) => {
        const result = await emulator.invoke({});
        assert.equal(result.error?.errorType, 'Runtime.UnhandledPromiseRejection');
        assert.equal(result.error?.errorMessage, 'Error: nobody caught me');
        const next = await emulator.invoke({});
        assert.equal(next.error?.errorType, 'Runtime.UnhandledPromiseRejection', 'the next event still runs');
      });
    });

    test('an uncaught exception during an invocation posts its exact error; its sandbox is then replaced', async () => {
      await withEmulator({ handler: 'uncaught-exception.handler', mode }, async ({ emulator, output }) => {
        const result = await emulator.invoke({ when: 'during' });
        assertUncaughtPayload(result.payload, 'RangeError', 'thrown from a timer');
        assert.equal(result.error?.errorType, 'RangeError');
        assert.match(output(), /\tERROR\tUncaught Exception \t\{"errorType":"RangeError","errorMessage":"thrown from a timer"/);
        // The runtime exited after posting it: the next event gets a new sandbox.
        const next = await emulator.invoke({});
        assert.equal(next.status, 'ok', next.payloadJson);
        assert.equal(next.metrics.coldStart, true);
      });
    });

    test('an uncaught exception during init is the exact error of every cold start', async () => {
      await withEmulator({ handler: 'uncaught-exception.handler', mode, env: { UNCAUGHT_AT_INIT: '1' } }, async ({ emulator }) => {
        for (let i = 0; i < 2; i++) {
          const result = await emulator.invoke({});
          assertUncaughtPayload(result.payload, 'TypeError', 'thrown during init');
          assert.equal(result.metrics.coldStart, true);
          assert.equal(result.metrics.sandboxLost, true);
        }
      });
    });

    test('a response over 6,291,556 bytes fails with Function.ResponseSizeTooLarge; one under it passes', async () => {
      await withEmulator({ handler: 'big-response.handler', mode }, async ({ emulator }) => {
        const tooLarge = await emulator.invoke({});
        assert.equal(tooLarge.error?.errorType, 'Function.ResponseSizeTooLarge');
        assert.match(tooLarge.error?.errorMessage ?? '', /^Response payload size \(7340034 bytes\) exceeded maximum allowed payload size \(6291556 bytes\)\.$/);
        const fits = await emulator.invoke({ bytes: 6_000_000 });
        assert.equal(fits.status, 'ok');
        assert.equal(fits.payloadJson.length, 6_000_002);
      });
    });
  });
}

test('warm: an uncaught exception after the answer fails the next event with Runtime.ExitError, exit status 129', async () => {
  await withEmulator({ handler: 'uncaught-exception.handler', mode: 'warm' }, async ({ emulator, output }) => {
    const answered = await emulator.invoke({ when: 'after' });
    assert.equal(answered.status, 'ok', answered.payloadJson);
    // On AWS the runtime is frozen once it answered; emu's is not, so let the timer fire first.
    assert.ok(await eventually(() => output().includes('thrown after the answer')), 'the exception happened');
    const victim = await emulator.invoke({});
    assert.deepEqual(victim.payload, { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${victim.requestId} Error: Runtime exited with error: exit status 129` });
    assert.equal(victim.metrics.sandboxLost, true);
    const next = await emulator.invoke({});
    assert.equal(next.status, 'ok');
    assert.equal(next.metrics.coldStart, true);
  });
});

/** The body AWS's runtime posts for an uncaught exception: exactly {errorType, errorMessage, trace}, the stack as lines. */
function assertUncaughtPayload(payload: unknown, errorType: string, errorMessage: string): void {
  const { trace, ...rest } = payload as { trace: string[] };
  assert.deepEqual(rest, { errorType, errorMessage }, JSON.stringify(payload));
  assert.ok(Array.isArray(trace) && trace.every((line) => typeof line === 'string'), JSON.stringify(payload));
  assert.equal(trace[0], `${errorType}: ${errorMessage}`);
  assert.match(trace[1] ?? '', /^ {4}at .*uncaught-exception\.mjs:\d+:\d+\)?$/);
}

test('the programmatic API closes cleanly with invocations still running', async () => {
  await withEmulator({ handler: 'hangs.handler', mode: 'warm', timeoutSeconds: 30, concurrency: 2 }, async ({ emulator }) => {
    const running = [emulator.invoke({}), emulator.invoke({})];
    await new Promise((resolve) => setTimeout(resolve, 500));
    await emulator.close();
    const results = await Promise.all(running);
    assert.ok(results.every((r) => r.status === 'error'));
  });
});

test('pids of finished sandboxes are really gone', async () => {
  const pids: number[] = [];
  await withEmulator({ handler: 'counter.handler', mode: 'cold' }, async ({ emulator }) => {
    for (let i = 0; i < 3; i++) pids.push(((await emulator.invoke({})).payload as { pid: number }).pid);
  });
  for (const pid of pids) assertGone(pid);
});

test('close() settles invocations still queued behind a busy sandbox: none waits forever', async () => {
  await withEmulator({ handler: 'hangs.handler', mode: 'warm', timeoutSeconds: 30, concurrency: 1 }, async ({ emulator }) => {
    const running = [emulator.invoke({}), emulator.invoke({}), emulator.invoke({})];
    await new Promise((resolve) => setTimeout(resolve, 500));
    await emulator.close();
    const settled = await Promise.allSettled(running);
    assert.equal(settled[0]?.status, 'fulfilled');
    assert.ok(settled.slice(1).every((s) => s.status === 'rejected' && /closed/.test(String(s.reason))));
  });
});
