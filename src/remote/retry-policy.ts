/**
 * Which failed Invoke calls are sent again, and after how long: the AWS SDKs'
 * "standard" retry mode (AWS SDKs and Tools Reference Guide, "Retry behavior",
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html):
 * at most 3 attempts, a delay of random(0, 1) × min(base × 2^retry, 20 s)
 * (full jitter), and a retry quota of 500 tokens shared by every call, 5 per
 * retry, 10 per retry after a timeout-like failure, 1 back per success, so
 * that an endpoint failing everything is not hammered by retries.
 *
 * Retried: throttling (429, TooManyRequestsException and kin), 5xx, and a
 * connection that failed before any byte of the answer (refused, reset, hung
 * up). Never retried: a function error (the service answered), a 4xx
 * refusal, a connection that broke while the answer was arriving, and our own
 * per-invocation timeout: in those the service may have run the event, and
 * once it has answered it is never sent again.
 */
import { BEFORE_RESPONSE } from './lambda-sdk.js';

export type RetryCause = 'throttled' | 'server-error' | 'connection-failed';

export const STANDARD_RETRY = {
  maxAttempts: 3,
  baseDelayMs: 100,
  /** The SDKs' standard mode waits longer after throttling. */
  throttlingBaseDelayMs: 500,
  maxDelayMs: 20_000,
  quotaTokens: 500,
  retryCost: 5,
  timeoutRetryCost: 10,
  successRefund: 1,
} as const;

const THROTTLING_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'EC2ThrottledException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);
const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Why a failed call may be retried, or undefined when it must not be. */
export function retryCause(error: unknown): RetryCause | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name = '', code, message = '', $metadata } = error as SdkErrorLike;
  const status = $metadata?.httpStatusCode;
  if (status === 429 || THROTTLING_NAMES.has(name)) return 'throttled';
  if (status !== undefined && status >= 500 && status <= 599) return 'server-error';
  if ((error as Record<symbol, unknown>)[BEFORE_RESPONSE] !== true || status !== undefined) return undefined;
  if (name === 'AbortError') return undefined;
  if ((code !== undefined && CONNECTION_CODES.has(code)) || name === 'TimeoutError' || /socket hang up|ECONNRESET|ECONNREFUSED/.test(message)) return 'connection-failed';
  return undefined;
}

/** The standard mode's token bucket, one per client. */
export class RetryQuota {
  #tokens: number = STANDARD_RETRY.quotaTokens;

  /** Takes the cost of one retry; false when the quota is spent and the failure stands. */
  take(cause: RetryCause): boolean {
    const cost = cause === 'connection-failed' ? STANDARD_RETRY.timeoutRetryCost : STANDARD_RETRY.retryCost;
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }

  refund(): void {
    this.#tokens = Math.min(STANDARD_RETRY.quotaTokens, this.#tokens + STANDARD_RETRY.successRefund);
  }
}

/** Full jitter: random(0, 1) × min(base × 2^retry, 20 s); retry counts from 0. */
export function backoffDelayMs(cause: RetryCause, retry: number, random: () => number = Math.random): number {
  const base = cause === 'throttled' ? STANDARD_RETRY.throttlingBaseDelayMs : STANDARD_RETRY.baseDelayMs;
  return Math.floor(random() * Math.min(base * 2 ** retry, STANDARD_RETRY.maxDelayMs));
}
