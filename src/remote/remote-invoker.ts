/**
 * Invocations sent to a Lambda Invoke API instead of a local sandbox, shaped
 * as the emulator's own results, so that the stream engine, its output lines
 * and its summary work unchanged. p-queue keeps at most `concurrency` calls in
 * flight; retry-policy.ts decides what is sent again. Every event gets one
 * result: the service's answer, its refusal, or the last failure once retries
 * are over. Figures come from the REPORT line of the log tail when the service
 * gave one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import PQueue from 'p-queue';
import type { InvocationResult, InvokeOptions } from '../supervisor/index.js';
import { createLambdaClient, sendInvoke } from './lambda-sdk.js';
import { parseLogTail } from './log-tail-report.js';
import { RemoteErrorTypes, serviceFailure } from './remote-failures.js';
import { backoffDelayMs, retryCause, RetryQuota, STANDARD_RETRY, type RetryCause } from './retry-policy.js';
import type { RemoteTarget } from './remote-target.js';
import { monotonicMs } from '../measure/clock.js';

export interface RemoteInvokerOptions {
  target: RemoteTarget;
  concurrency: number;
  /** Per attempt: no answer by then and the invocation fails with Emu.RemoteTimeout (never retried: it may be running). */
  timeoutMs: number;
  maxAttempts?: number;
  /** The log tail (its last 4 KB: the function's output and the platform's lines), with the request id the caller gave. */
  onLog?: (text: string, callerRequestId: string) => void;
}

export interface RemoteStats {
  /** Invocations that got a result (answered, refused or given up). */
  invocations: number;
  retries: Record<RetryCause, number>;
  /** Given up after the last attempt or when the retry quota was spent. */
  gaveUp: number;
  timeouts: number;
  /** Answers without a REPORT line in their log tail: their Duration is the round trip the client saw. */
  withoutReport: number;
  /** From the last REPORT line; undefined until one arrived. */
  memorySizeMb?: number;
}

export class RemoteInvoker {
  readonly #options: RemoteInvokerOptions;
  readonly #client: LambdaClient;
  readonly #queue: PQueue;
  readonly #quota = new RetryQuota();
  readonly #closing = new AbortController();
  readonly stats: RemoteStats = { invocations: 0, retries: { throttled: 0, 'server-error': 0, 'connection-failed': 0 }, gaveUp: 0, timeouts: 0, withoutReport: 0 };

  constructor(options: RemoteInvokerOptions) {
    this.#options = options;
    this.#queue = new PQueue({ concurrency: options.concurrency });
    this.#client = createLambdaClient({ ...options.target, maxSockets: options.concurrency });
  }

  /** The client, for the configuration calls of --cold (cold-start-forcer.ts). */
  get client(): LambdaClient {
    return this.#client;
  }

  /** The client's region, as the SDK resolved it (flag, environment, profile). */
  async region(): Promise<string> {
    return this.#client.config.region();
  }

  invokeJson(eventJson: string, options?: InvokeOptions): Promise<InvocationResult> {
    if (this.#closing.signal.aborted) return Promise.reject(new Error('the remote invoker is closed'));
    return this.#queue.add(() => this.#invoke(eventJson, options?.requestId ?? ''), { throwOnTimeout: true });
  }

  /** Aborts every call in flight (they reject) and closes the connections. */
  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    await this.#queue.onIdle();
    this.#client.destroy();
  }

  async #invoke(eventJson: string, fallbackRequestId: string): Promise<InvocationResult> {
    if (this.#closing.signal.aborted) throw new Error('the remote invoker is closed');
    const startedAt = monotonicMs();
    const maxAttempts = this.#options.maxAttempts ?? STANDARD_RETRY.maxAttempts;
    for (let attempt = 0; ; attempt += 1) {
      const sent = await this.#attempt(eventJson);
      if (this.#closing.signal.aborted) throw new Error('interrupted');
      const elapsedMs = monotonicMs() - startedAt;
      if (sent.output !== undefined) {
        this.#quota.refund();
        return this.#answered(sent.output, fallbackRequestId, elapsedMs);
      }
      if (sent.timedOut) return this.#failed(serviceFailure(RemoteErrorTypes.timeout, this.#timeoutMessage(), fallbackRequestId, elapsedMs), 'timeout');
      const cause = retryCause(sent.error);
      if (cause === undefined || attempt + 1 >= maxAttempts || !this.#quota.take(cause)) {
        return this.#failed(failureOf(sent.error, cause, attempt + 1, fallbackRequestId, elapsedMs), cause === undefined ? 'refused' : 'gave-up');
      }
      this.stats.retries[cause] += 1;
      await sleep(backoffDelayMs(cause, attempt), undefined, { signal: this.#closing.signal }).catch(() => {});
    }
  }

  async #attempt(eventJson: string): Promise<{ output?: InvokeCommandOutput; error?: unknown; timedOut: boolean }> {
    const attempt = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attempt.abort();
    }, this.#options.timeoutMs);
    const onClose = (): void => attempt.abort();
    this.#closing.signal.addEventListener('abort', onClose, { once: true });
    try {
      const input = { FunctionName: this.#options.target.functionName, Payload: Buffer.from(eventJson), LogType: 'Tail' } as const;
      return { output: await sendInvoke(this.#client, input, attempt.signal), timedOut: false };
    } catch (error) {
      return { error, timedOut };
    } finally {
      clearTimeout(timer);
      this.#closing.signal.removeEventListener('abort', onClose);
    }
  }

  #answered(output: InvokeCommandOutput, fallbackRequestId: string, elapsedMs: number): InvocationResult {
    const requestId = output.$metadata.requestId ?? fallbackRequestId;
    const payloadJson = output.Payload === undefined || output.Payload.length === 0 ? 'null' : Buffer.from(output.Payload).toString('utf8');
    const payload = parseJson(payloadJson);
    const tail = output.LogResult === undefined ? undefined : Buffer.from(output.LogResult, 'base64').toString('utf8');
    const figures = parseLogTail(tail);
    if (figures === undefined) this.stats.withoutReport += 1;
    else this.stats.memorySizeMb = figures.memorySizeMb;
    if (tail !== undefined && this.#options.onLog !== undefined) this.#options.onLog(tail, fallbackRequestId);
    this.stats.invocations += 1;
    const metrics: InvocationResult['metrics'] = {
      coldStart: figures?.initDurationMs !== undefined,
      durationMs: figures?.durationMs ?? elapsedMs,
      billedDurationMs: figures?.billedDurationMs ?? 0,
      memorySizeMb: figures?.memorySizeMb ?? 0,
      peakRssMethod: 'service-report',
      callerLatencyMs: elapsedMs,
      sandboxLost: false,
    };
    if (figures?.initDurationMs !== undefined) metrics.initDurationMs = figures.initDurationMs;
    if (figures?.maxMemoryUsedMb !== undefined) metrics.maxMemoryUsedMb = figures.maxMemoryUsedMb;
    const result: InvocationResult = { requestId, status: output.FunctionError === undefined ? 'ok' : 'error', payload, payloadJson, metrics };
    if (output.FunctionError !== undefined) result.error = functionErrorOf(payload);
    return result;
  }

  #failed(result: InvocationResult, how: 'timeout' | 'refused' | 'gave-up'): InvocationResult {
    this.stats.invocations += 1;
    if (how === 'timeout') this.stats.timeouts += 1;
    if (how === 'gave-up') this.stats.gaveUp += 1;
    return result;
  }

  #timeoutMessage(): string {
    return `no answer within ${this.#options.timeoutMs} ms (the client's timeout); not sent again: it may have run on the service`;
  }
}

function failureOf(error: unknown, cause: RetryCause | undefined, attempts: number, requestId: string, elapsedMs: number): InvocationResult {
  const { name = 'Error', message = String(error), code } = (typeof error === 'object' && error !== null ? error : {}) as { name?: string; message?: string; code?: string };
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  if (cause === 'connection-failed') {
    return serviceFailure(RemoteErrorTypes.connectionFailed, `the connection failed before any answer${tries}: ${code ?? name}; it may have run on the service`, requestId, elapsedMs);
  }
  const type = name === 'Error' || name === '' ? RemoteErrorTypes.unknownFailure : name;
  return serviceFailure(type, `${firstLine(message)}${tries}`, requestId, elapsedMs);
}

function functionErrorOf(payload: unknown): NonNullable<InvocationResult['error']> {
  const shaped = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  const errorType = typeof shaped.errorType === 'string' ? shaped.errorType : 'Function.Unknown';
  const errorMessage = typeof shaped.errorMessage === 'string' ? shaped.errorMessage : JSON.stringify(payload);
  return { ...shaped, errorType, errorMessage };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}
