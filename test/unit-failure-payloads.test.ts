// The Invoke payloads AWS returns when the platform ends an invocation: exact errorType and errorMessage, as callers match on them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exitDescription } from '../src/sandbox/exit-description.js';
import { exitPayload, outOfMemoryPayload, postedErrorType, responseTooLargePayload, timeoutPayload } from '../src/sandbox/failure-payloads.js';

const parsed = (payloadJson: string): unknown => JSON.parse(payloadJson);

describe('failure payloads', () => {
  test('a timeout: Sandbox.Timedout, the request id and the timeout in seconds with two decimals', () => {
    const payload = timeoutPayload('req-1', 3000);
    assert.equal(payload.errorType, 'Sandbox.Timedout');
    assert.deepEqual(parsed(payload.payloadJson), { errorType: 'Sandbox.Timedout', errorMessage: 'RequestId: req-1 Error: Task timed out after 3.00 seconds' });
    assert.match(timeoutPayload('r', 1500).payloadJson, /after 1\.50 seconds/);
    assert.match(timeoutPayload('r', 900_000).payloadJson, /after 900\.00 seconds/);
  });

  test('out of memory: Runtime.OutOfMemory with the kill as the platform logs it', () => {
    const payload = outOfMemoryPayload('req-2');
    assert.equal(payload.errorType, 'Runtime.OutOfMemory');
    assert.deepEqual(parsed(payload.payloadJson), { errorType: 'Runtime.OutOfMemory', errorMessage: 'RequestId: req-2 Error: Runtime exited with error: signal: killed' });
  });

  test('an exit: Runtime.ExitError with the exit worded as AWS words it', () => {
    const payload = exitPayload('req-3', { code: 1, signal: null });
    assert.equal(payload.errorType, 'Runtime.ExitError');
    assert.deepEqual(parsed(payload.payloadJson), { errorType: 'Runtime.ExitError', errorMessage: 'RequestId: req-3 Error: Runtime exited with error: exit status 1' });
  });

  test('a response too large: both sizes in bytes', () => {
    const payload = responseTooLargePayload(7_000_000);
    assert.equal(payload.errorType, 'Function.ResponseSizeTooLarge');
    assert.deepEqual(parsed(payload.payloadJson), {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size (7000000 bytes) exceeded maximum allowed payload size (6291556 bytes).',
    });
  });

  test('the payload JSON has errorType then errorMessage, nothing else', () => {
    assert.deepEqual(Object.keys(parsed(timeoutPayload('r', 1000).payloadJson) as object), ['errorType', 'errorMessage']);
  });
});

describe('exitDescription', () => {
  test('an exit code: "exit status N"; 0 or none: "without providing a reason"', () => {
    assert.equal(exitDescription({ code: 2, signal: null }), 'Runtime exited with error: exit status 2');
    assert.equal(exitDescription({ code: 129, signal: null }), 'Runtime exited with error: exit status 129');
    assert.equal(exitDescription({ code: 0, signal: null }), 'Runtime exited without providing a reason');
    assert.equal(exitDescription({ code: null, signal: null }), 'Runtime exited without providing a reason');
  });

  test("a signal, in Go's words, and a signal wins over a code", () => {
    const words: Record<string, string> = {
      SIGKILL: 'killed',
      SIGSEGV: 'segmentation fault',
      SIGABRT: 'aborted',
      SIGTERM: 'terminated',
      SIGBUS: 'bus error',
      SIGILL: 'illegal instruction',
      SIGFPE: 'floating point exception',
      SIGINT: 'interrupt',
      SIGHUP: 'hangup',
      SIGPIPE: 'broken pipe',
      SIGQUIT: 'quit',
      SIGTRAP: 'trace/breakpoint trap',
      SIGUSR1: 'user defined signal 1',
      SIGUSR2: 'user defined signal 2',
    };
    for (const [signal, text] of Object.entries(words)) {
      assert.equal(exitDescription({ code: null, signal: signal as NodeJS.Signals }), `Runtime exited with error: signal: ${text}`, signal);
    }
    assert.equal(exitDescription({ code: 1, signal: 'SIGKILL' }), 'Runtime exited with error: signal: killed');
    assert.equal(exitDescription({ code: null, signal: 'SIGWINCH' }), 'Runtime exited with error: signal: SIGWINCH', 'a signal Go has no words for: its name');
  });
});

describe('postedErrorType', () => {
  test("the errorType of the runtime's posted error, when it is a string", () => {
    assert.equal(postedErrorType('{"errorType":"TypeError","errorMessage":"x"}'), 'TypeError');
  });

  test('anything else is Runtime.Unknown: not JSON, null, no errorType, a non-string errorType', () => {
    for (const text of ['not json', 'null', '{}', '{"errorType":7}', '"TypeError"', '']) assert.equal(postedErrorType(text), 'Runtime.Unknown', text);
  });
});
