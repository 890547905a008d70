/** What an invocation gives back: the Invoke payload plus what it cost. A failure is data, not an exception. */
import type { PeakRssMethod } from '../measure/index.js';

export interface InvocationMetrics {
  coldStart: boolean;
  /** Spawn to the runtime's first /next; only on a cold start. */
  initDurationMs?: number;
  /** The invoke phase: event handed out to answer received (capped at the timeout, as AWS reports it). */
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  /** Peak RSS in whole MB, as AWS's Max Memory Used. */
  maxMemoryUsedMb?: number;
  peakRssBytes?: number;
  peakRssMethod: PeakRssMethod;
  /** From asking to answer, as the caller sees it: spawn, init and queueing included. */
  callerLatencyMs: number;
  /** The sandbox ended with this invocation (timeout, crash, out of memory). */
  sandboxLost: boolean;
  /** A streamed response: the event handed out to its first body byte. */
  timeToFirstByteMs?: number;
  /** A streamed response: the body bytes the function streamed. */
  bytesStreamed?: number;
}

export interface InvocationError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
  [key: string]: unknown;
}

export interface InvocationResult {
  requestId: string;
  status: 'ok' | 'error';
  /** The Invoke payload, parsed. For an error: AWS's error object. */
  payload: unknown;
  /** The Invoke payload exactly as AWS would return it. */
  payloadJson: string;
  error?: InvocationError;
  metrics: InvocationMetrics;
  /** The function's output during this invocation, when asked for with captureLogs. */
  logs?: string;
}
