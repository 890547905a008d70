/**
 * An event the Invoke API did not answer with the function's result: the
 * service refused it (its exception name is the errorType, as AWS's SDKs name
 * it), or the client gave up. Shaped as a failed invocation with no figures,
 * so that it gets its output line and its place in the summary.
 */
import type { InvocationResult } from '../supervisor/index.js';

/** emu's own, for failures no service named. */
export const RemoteErrorTypes = {
  /** No answer within the client's per-invocation timeout. */
  timeout: 'Emu.RemoteTimeout',
  /** The connection failed before any answer, on every attempt. */
  connectionFailed: 'Emu.RemoteConnectionFailed',
  /** The SDK failed without naming a service exception. */
  unknownFailure: 'Emu.RemoteFailure',
} as const;

export function serviceFailure(errorType: string, errorMessage: string, requestId: string, elapsedMs: number): InvocationResult {
  const error = { errorType, errorMessage };
  return {
    requestId,
    status: 'error',
    payload: error,
    payloadJson: JSON.stringify(error),
    error,
    metrics: { coldStart: false, durationMs: 0, billedDurationMs: 0, memorySizeMb: 0, peakRssMethod: 'service-report', callerLatencyMs: elapsedMs, sandboxLost: false },
  };
}
