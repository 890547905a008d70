/**
 * What a stream gives back for each input event, in input order: the
 * invocation's result, or a failure that never reached (or never came back
 * from) a handler. Every event read gets exactly one record.
 */
import type { InvocationResult } from '../supervisor/index.js';

/**
 * emu's own error types for events no handler answered. The "Emu." prefix
 * keeps them apart from AWS's (Runtime.*, Sandbox.*) and from a handler's own.
 */
export const StreamErrorTypes = {
  /** The line is not JSON; it was never invoked. */
  invalidJson: 'Emu.InvalidJSON',
  /** Read, but the stream was interrupted (SIGINT, SIGTERM, stdout closed) before its answer. */
  interrupted: 'Emu.Interrupted',
  /** emu itself failed on this event (invokeJson rejected). */
  internal: 'Emu.InternalError',
} as const;

export type StreamErrorType = (typeof StreamErrorTypes)[keyof typeof StreamErrorTypes];

export interface ResultRecord {
  kind: 'result';
  /** 1-based line number in the input; blank lines count. */
  line: number;
  result: InvocationResult;
}

export interface FailureRecord {
  kind: 'failure';
  line: number;
  /** Set once the event was handed to the emulator. */
  requestId: string | null;
  error: { errorType: StreamErrorType; errorMessage: string };
}

export type StreamRecord = ResultRecord | FailureRecord;

export function failureRecord(line: number, requestId: string | null, errorType: StreamErrorType, reason: string): FailureRecord {
  return { kind: 'failure', line, requestId, error: { errorType, errorMessage: `line ${line}: ${reason}` } };
}

/** The errorType a record counts under, or undefined when the event succeeded. */
export function recordErrorType(record: StreamRecord): string | undefined {
  if (record.kind === 'failure') return record.error.errorType;
  return record.result.status === 'ok' ? undefined : (record.result.error?.errorType ?? 'Runtime.Unknown');
}
