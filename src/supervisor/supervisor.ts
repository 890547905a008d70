/**
 * Runs invocations of one function: gives each a request id, trace id and
 * ARN, hands it to the pool, and turns the sandbox's outcome into an
 * InvocationResult with AWS's metrics and platform log lines.
 */
import { randomText, randomUuid } from '../events/kernel-random.js';
import { ErrorTypes } from '../errors/catalogue.js';
import { billedDurationMs, bytesToMb, monotonicMs } from '../measure/index.js';
import type { ResponseStream } from '../runtime-api/response-stream.js';
import { functionArn, type FunctionConfig, type Sandbox, type SandboxOutcome } from '../sandbox/index.js';
import { FunctionPool, type SandboxMode } from './function-pool.js';
import type { InvocationError, InvocationResult } from './invocation-result.js';
import { platformLogFormat, type PlatformLogFormat } from './platform-log.js';

export interface InvokeOptions {
  /** Becomes context.clientContext (AWS passes it as X-Amz-Client-Context). */
  clientContext?: unknown;
  /** Becomes context.identity (Cognito identity). */
  identity?: unknown;
  requestId?: string;
  invokedFunctionArn?: string;
  tenantId?: string;
  /** Return the function's output with the result (it is still forwarded to onLog). */
  captureLogs?: boolean;
  /**
   * Called when the function starts a streamed response: read the stream (back-pressure reaches
   * the handler) and await its `ended`. Without it a streamed body comes back whole as the payload.
   */
  onResponseStream?(stream: ResponseStream): void;
}

export interface SupervisorOptions {
  mode: SandboxMode;
  concurrency: number;
  /** The function's stdout and stderr, chunk by chunk. */
  onLog(chunk: Buffer, sandbox: Sandbox): void | Promise<unknown>;
  /** START / END / REPORT lines (JSON records in the JSON log format); when absent they are never even formatted (the warm path is sub-millisecond). */
  onPlatformLog?: (line: string, requestId: string) => void;
  onWarning(message: string): void;
  onSandboxStarted(sandbox: Sandbox): void;
  onSandboxEnded(sandbox: Sandbox): void;
}

export class Supervisor {
  readonly #pool: FunctionPool;
  readonly #config: FunctionConfig;
  readonly #onPlatformLog: ((line: string, requestId: string) => void) | undefined;
  readonly #platformLog: PlatformLogFormat | undefined;

  constructor(config: FunctionConfig, options: SupervisorOptions) {
    this.#config = config;
    this.#onPlatformLog = options.onPlatformLog;
    this.#platformLog = options.onPlatformLog === undefined ? undefined : platformLogFormat(config);
    this.#pool = new FunctionPool(config, {
      mode: options.mode,
      concurrency: options.concurrency,
      onSandboxStarted: options.onSandboxStarted,
      onSandboxEnded: options.onSandboxEnded,
      listeners: {
        onLog: options.onLog,
        onWarning: options.onWarning,
        onDelivered: (requestId) => this.#emitPlatformLog(this.#platformLog?.start(requestId), requestId),
        onInitReport: (report) => this.#emitPlatformLog(this.#platformLog?.initReport(report), report.requestId ?? ''),
      },
    });
  }

  get config(): FunctionConfig {
    return this.#config;
  }

  /** Starts a sandbox now so that the next invocation does not wait for a Node start. */
  prewarm(): void {
    this.#pool.prewarm();
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  async invokeJson(eventJson: string, options: InvokeOptions = {}): Promise<InvocationResult> {
    const requestId = options.requestId ?? randomUuid();
    const askedAt = monotonicMs();
    const request = {
      requestId,
      eventJson,
      invokedFunctionArn: options.invokedFunctionArn ?? functionArn(this.#config),
      traceId: newTraceId(),
      tenantId: options.tenantId,
      captureLogs: options.captureLogs,
      onResponseStream: options.onResponseStream,
      clientContextJson: options.clientContext === undefined ? undefined : JSON.stringify(options.clientContext),
      cognitoIdentityJson: options.identity === undefined ? undefined : JSON.stringify(options.identity),
    };
    const outcome = await this.#pool.invoke(request);
    const result = this.#toResult(outcome, monotonicMs() - askedAt);
    if (this.#platformLog !== undefined) {
      this.#emitPlatformLog(this.#platformLog.end(result), requestId);
      this.#emitPlatformLog(this.#platformLog.report(result), requestId);
    }
    return result;
  }

  /** undefined: the system log level filtered the record out. */
  #emitPlatformLog(line: string | undefined, requestId: string): void {
    if (line !== undefined) this.#onPlatformLog?.(line, requestId);
  }

  #toResult(outcome: SandboxOutcome, callerLatencyMs: number): InvocationResult {
    const durationMs = outcome.errorType === ErrorTypes.timedOut ? this.#config.timeoutMs : outcome.durationMs;
    const result: InvocationResult = {
      requestId: outcome.requestId,
      status: outcome.status,
      payload: parsePayload(outcome.payloadJson),
      payloadJson: outcome.payloadJson,
      metrics: {
        coldStart: outcome.coldStart,
        durationMs,
        billedDurationMs: billedDurationMs(durationMs, outcome.initDurationMs),
        memorySizeMb: this.#config.memoryMb,
        peakRssMethod: outcome.peakRssMethod,
        callerLatencyMs,
        sandboxLost: outcome.sandboxLost,
      },
    };
    if (outcome.initDurationMs !== undefined) result.metrics.initDurationMs = outcome.initDurationMs;
    if (outcome.peakRssBytes !== undefined) {
      result.metrics.peakRssBytes = outcome.peakRssBytes;
      result.metrics.maxMemoryUsedMb = bytesToMb(outcome.peakRssBytes);
    }
    if (outcome.status === 'error') result.error = toInvocationError(result.payload, outcome.errorType);
    if (outcome.logs !== undefined) result.logs = outcome.logs;
    if (outcome.streamed !== undefined) {
      result.metrics.bytesStreamed = outcome.streamed.bytesStreamed;
      if (outcome.streamed.timeToFirstByteMs !== undefined) result.metrics.timeToFirstByteMs = outcome.streamed.timeToFirstByteMs;
    }
    return result;
  }
}

function parsePayload(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json; // a runtime may post anything; the raw text is still the payload
  }
}

function toInvocationError(payload: unknown, errorType: string | undefined): InvocationError {
  const fields = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  return {
    ...fields,
    errorType: typeof fields.errorType === 'string' ? fields.errorType : (errorType ?? ErrorTypes.unknown),
    errorMessage: typeof fields.errorMessage === 'string' ? fields.errorMessage : String(payload),
  };
}

/** X-Ray's format: Root=1-<8 hex epoch seconds>-<24 hex>;Parent=<16 hex>;Sampled=0 */
function newTraceId(): string {
  const epochHex = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  const random = randomText(TRACE_RANDOM_BYTES, 'hex');
  return `Root=1-${epochHex}-${random.slice(0, 24)};Parent=${random.slice(24)};Sampled=0`;
}

const TRACE_RANDOM_BYTES = 20;
