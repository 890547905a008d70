/**
 * One execution environment: a bootstrap process in its own process group,
 * served by its own Runtime API. It runs one invocation at a time and turns
 * everything that can happen to it (an answer, an error, a timeout, a crash,
 * too much memory, a failed init) into an outcome.
 *
 * Two facts are kept apart: a dead sandbox is never reused (#transition makes
 * 'dead' final), and a retired one has had its whole process group killed, its
 * escaped processes swept and its exit awaited (retire(), the one path every
 * ending takes: init error, timeout, crash, out of memory, close, shutdown).
 */
import { randomUuid } from '../events/kernel-random.js';
import { ErrorTypes } from '../errors/catalogue.js';
import { internalError } from '../errors/emu-error.js';
import { createPeakRssProbe, mbToBytes, type PeakRssMethod, type PeakRssProbe, monotonicMs } from '../measure/index.js';
import type { ResponseStream } from '../runtime-api/response-stream.js';
import { RuntimeApiServer } from '../runtime-api/runtime-api-server.js';
import type { ExitStatus } from './exit-description.js';
import {
  exitPayload,
  outOfMemoryPayload,
  postedErrorType,
  responseTooLargePayload,
  timeoutPayload,
  type FailurePayload,
} from './failure-payloads.js';
import type { FunctionConfig } from './function-config.js';
import { killMarkedProcesses, killSandboxTree } from './process-tree.js';
import { prepareProcessStarter, type SandboxProcess } from './process-starter.js';
import { EntrypointError } from './runtime-launcher.js';
import { spawnBootstrap } from './spawn-bootstrap.js';
import { takeStreamedResponse } from './streamed-response.js';

export type SandboxState = 'starting' | 'idle' | 'busy' | 'dead';

export interface SandboxInvocation {
  requestId: string;
  eventJson: string;
  invokedFunctionArn: string;
  traceId: string;
  clientContextJson?: string;
  cognitoIdentityJson?: string;
  tenantId?: string;
  captureLogs?: boolean;
  /** Called when the runtime starts a streamed response; without it the body is collected as the payload. */
  onResponseStream?(stream: ResponseStream): void;
}

export interface StreamedMetrics {
  bytesStreamed: number;
  /** Event handed out to the first body byte. */
  timeToFirstByteMs?: number;
}

export interface SandboxOutcome {
  requestId: string;
  status: 'ok' | 'error';
  /** The Invoke payload exactly as AWS would return it: JSON text. */
  payloadJson: string;
  errorType?: string;
  coldStart: boolean;
  initDurationMs?: number;
  durationMs: number;
  peakRssBytes?: number;
  peakRssMethod: PeakRssMethod;
  /** The sandbox ended with this invocation (timeout, crash, memory): never reuse it. */
  sandboxLost: boolean;
  logs?: string;
  /** The response was streamed. */
  streamed?: StreamedMetrics;
}

export interface SandboxListeners {
  /** A chunk of the function's stdout or stderr, in arrival order. */
  /** A returned promise holds the function's output until it settles (back-pressure from wherever emu writes it). */
  onLog(chunk: Buffer, sandbox: Sandbox): void | Promise<unknown>;
  onWarning(message: string): void;
  /** The invocation went out to the runtime (when START is logged). */
  onDelivered(requestId: string): void;
  /** An init that failed or passed its limit (AWS's INIT_REPORT); a successful one is in the first outcome. */
  onInitReport?(report: InitReport): void;
}

export interface InitReport {
  /** The invocation waiting for this init, if one is. */
  requestId: string | undefined;
  durationMs: number;
  /** 'invoke': the init re-run inside the first invocation after the first passed its limit. */
  phase: 'init' | 'invoke';
  status: 'error' | 'timeout';
  errorType?: string;
}

/** AWS's on-demand init limit; a slower init is re-run inside the first invocation, under its timeout. */
const INIT_LIMIT_MS = 10_000;
const MEMORY_CHECK_INTERVAL_MS = 10;
const EXIT_WAIT_MS = 2_000;

interface ActiveInvocation {
  request: SandboxInvocation;
  deliveredAt?: number;
  /** Fixed before delivery when init is re-run inside this invocation: the timeout covers both. */
  deadline?: number;
  coldStart: boolean;
  timers: NodeJS.Timeout[];
  stream?: ResponseStream;
  resolve(outcome: SandboxOutcome): void;
  reject(error: Error): void;
}

/** The sandbox ended before an invocation queued on it was delivered: run it elsewhere. */
export class SandboxGoneError extends Error {
  constructor(sandboxId: string) {
    super(`sandbox ${sandboxId} ended before the invocation reached it`);
    this.name = 'SandboxGoneError';
  }
}

export class Sandbox {
  readonly id = randomUuid();
  readonly #config: FunctionConfig;
  readonly #listeners: SandboxListeners;
  /** Replaced when init is re-run, so nothing the old process sent can reach the new one's state. */
  #server: RuntimeApiServer;
  #child: SandboxProcess | null = null;
  #retirement: Promise<void> | null = null;
  #probe: PeakRssProbe | null = null;
  #closed: Promise<void> | null = null;
  #state: SandboxState = 'starting';
  #spawnedAt = 0;
  #initDurationMs: number | undefined;
  /** onLog promises not yet settled: the function's output is paused while there are any. */
  #outputHolds = 0;
  /** The first init passed AWS's 10 s limit and is being run again. */
  #reinit = false;
  #initLimitTimer: NodeJS.Timeout | null = null;
  /** The runtime could not be started (a custom runtime's bootstrap missing, not executable, …): the init error payload. */
  #entrypointError: string | undefined;
  #invocationCount = 0;
  #active: ActiveInvocation | null = null;
  /** Log chunks of the invocation being answered; outlives #active until the answer is handed over. */
  #capture: Buffer[] | null = null;

  private constructor(config: FunctionConfig, listeners: SandboxListeners) {
    this.#config = config;
    this.#listeners = listeners;
    this.#server = this.#createServer();
  }

  #createServer(): RuntimeApiServer {
    const server: RuntimeApiServer = new RuntimeApiServer({
      onNext: () => server === this.#server && this.#onNext(),
      onDelivered: (requestId) => server === this.#server && this.#onDelivered(requestId),
      onResponse: (id, body) => server === this.#server && this.#onRuntimeResult(id, 'ok', body.toString('utf8')),
      onError: (id, body, errorType) => server === this.#server && this.#onRuntimeResult(id, 'error', body.toString('utf8'), errorType),
      onInitError: (body, errorType) => server === this.#server && this.#onInitError(body.toString('utf8'), errorType),
      onResponseTooLarge: (id, size) => server === this.#server && this.#onResponseTooLarge(id, size),
      onResponseStream: (id, stream) => (server === this.#server ? this.#onResponseStream(id, stream) : stream.discard()),
    });
    return server;
  }

  /** Starts the bootstrap; the sandbox is usable at once (an invocation waits for init). */
  static async start(config: FunctionConfig, listeners: SandboxListeners): Promise<Sandbox> {
    const sandbox = new Sandbox(config, listeners);
    await sandbox.#spawn();
    return sandbox;
  }

  get state(): SandboxState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async #spawn(): Promise<void> {
    const [address] = await Promise.all([this.#server.listen(), prepareProcessStarter()]);
    try {
      this.#startProcess(address);
    } catch (error) {
      this.#server.close();
      if (!(error instanceof EntrypointError)) throw error;
      // AWS could not start the runtime: its init failed, and that is what the first invocation returns.
      this.#entrypointError = JSON.stringify({ errorType: ErrorTypes.invalidEntrypoint, errorMessage: error.message });
      return;
    }
    if (this.#config.inspect?.breakOnStart !== true) {
      this.#initLimitTimer = setTimeout(() => void this.#onInitLimit(), INIT_LIMIT_MS);
      this.#initLimitTimer.unref();
    }
  }

  /** The one way the state changes: 'dead' is final, whatever arrives after it. */
  #transition(to: SandboxState): void {
    if (this.#state !== 'dead') this.#state = to;
  }

  #startProcess(address: string): void {
    this.#spawnedAt = monotonicMs();
    const { child, probe } = spawnBootstrap(this.#config, this.id, address, this.#listeners.onWarning);
    this.#child = child;
    this.#probe?.stop();
    this.#probe = probe;
    const forward = (chunk: Buffer): void => {
      this.#capture?.push(chunk);
      const held = this.#listeners.onLog(chunk, this);
      // Only a promise holds: a JavaScript caller's onLog may return anything (say, write()'s boolean).
      if (held instanceof Promise) this.#holdOutput(child, held);
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    this.#closed = new Promise((resolve) => child.once('close', () => resolve()));
    child.once('exit', (code, signal) => {
      if (child === this.#child) this.#onExit({ code, signal }); // not a process replaced by an init re-run
    });
  }

  /**
   * emu's own output is full (a slow reader): the function's output waits in its pipe, and
   * then in the function's own process, instead of piling up in emu's memory.
   */
  #holdOutput(child: SandboxProcess, until: Promise<unknown>): void {
    if (this.#outputHolds++ === 0) {
      child.stdout?.pause();
      child.stderr?.pause();
    }
    const release = (): void => {
      if (--this.#outputHolds > 0) return;
      child.stdout?.resume();
      child.stderr?.resume();
    };
    until.then(release, release);
  }

  /**
   * Init still running after 10 s: as AWS does, the runtime is ended and init is run again,
   * now inside the first invocation and under its timeout (Sandbox.Timedout if both don't fit).
   * The new process gets a new Runtime API server: a request the old one sent just before it
   * was killed (its first /next, say) must not end the new one's init or take its event.
   */
  async #onInitLimit(): Promise<void> {
    this.#initLimitTimer = null;
    const old = this.#child?.pid;
    if (this.#initDurationMs !== undefined || this.#state === 'dead' || old === undefined) return;
    this.#reportInit('timeout', undefined);
    this.#listeners.onWarning(`init took longer than AWS's 10 s limit: it runs again inside the first invocation, under the function timeout`);
    this.#child = null; // its exit is no longer this sandbox's
    killProcesses(this.id, old);
    this.#server.close();
    this.#reinit = true;
    this.#server = this.#createServer();
    try {
      const address = await this.#server.listen();
      if ((this.#state as SandboxState) === 'dead') {
        this.#server.close(); // retired while it was starting to listen
        return;
      }
      this.#startProcess(address);
    } catch {
      const active = this.#active;
      void this.retire();
      if (active !== null) this.#fail(exitPayload(active.request.requestId, { code: null, signal: 'SIGKILL' }), true);
      return;
    }
    if (this.#active !== null && this.#active.deadline === undefined) this.#startReinitDeadline(this.#active);
  }

  #startReinitDeadline(active: ActiveInvocation): void {
    for (const timer of active.timers) clearTimeout(timer);
    active.deadline = monotonicMs() + this.#config.timeoutMs;
    active.timers = [setTimeout(() => this.#onTimeout(), this.#config.timeoutMs)];
    this.#server.deliver({ ...active.request, timeoutMs: this.#config.timeoutMs, deadlineEpochMs: Date.now() + this.#config.timeoutMs });
  }

  invoke(request: SandboxInvocation): Promise<SandboxOutcome> {
    if (this.#state !== 'idle' && this.#state !== 'starting') {
      return Promise.reject(internalError(`sandbox ${this.id} cannot take an invocation while ${this.#state}`));
    }
    const coldStart = this.#invocationCount === 0;
    this.#invocationCount += 1;
    if (!coldStart) this.#probe?.reset();
    return new Promise((resolve, reject) => {
      const active: ActiveInvocation = { request, coldStart, timers: [], resolve, reject };
      this.#capture = request.captureLogs === true ? [] : null;
      this.#active = active;
      if (this.#entrypointError !== undefined) {
        const payload = this.#entrypointError;
        queueMicrotask(() => this.#onInitError(payload, ErrorTypes.invalidEntrypoint));
        return;
      }
      if (this.#state === 'idle') this.#transition('busy');
      // An init re-run already under way: this invocation's timeout covers it (the first init has its own limit).
      if (this.#state === 'starting' && this.#reinit) this.#startReinitDeadline(active);
      else this.#server.deliver({ ...request, timeoutMs: this.#config.timeoutMs });
    });
  }

  /**
   * Ends the sandbox and everything it started, whatever ended it: never reused again, the whole
   * process group killed even when its leader is already gone (its members may not be), escaped
   * processes swept, the real exit awaited. The kills happen before the first await, so a
   * synchronous caller (an exit or signal hook) gets them too. Later calls share the first.
   */
  retire(): Promise<void> {
    if (this.#retirement !== null) return this.#retirement;
    this.#transition('dead');
    if (this.#initLimitTimer !== null) clearTimeout(this.#initLimitTimer);
    // Killed before its Runtime API goes away: a runtime waiting on /next must not see it go and log about it.
    const pid = this.#child?.pid;
    if (pid !== undefined) killProcesses(this.id, pid);
    this.#server.close();
    const closed = this.#closed;
    this.#retirement = closed === null ? Promise.resolve() : withTimeout(closed, EXIT_WAIT_MS);
    return this.#retirement;
  }

  #reportInit(status: InitReport['status'], errorType: string | undefined): void {
    const durationMs = this.#spawnedAt === 0 ? 0 : monotonicMs() - this.#initStartedAt();
    const report: InitReport = { requestId: this.#active?.request.requestId, durationMs, phase: this.#reinit ? 'invoke' : 'init', status };
    if (errorType !== undefined) report.errorType = errorType;
    this.#listeners.onInitReport?.(report);
  }

  /** When init began: the spawn, or for a process started early, its start less the time it waited for its launch. */
  #initStartedAt(): number {
    return this.#child?.initStartedAt?.() ?? this.#spawnedAt;
  }

  #onNext(): void {
    if (this.#initDurationMs !== undefined) return;
    this.#initDurationMs = monotonicMs() - this.#initStartedAt();
    if (this.#initLimitTimer !== null) clearTimeout(this.#initLimitTimer);
    this.#transition(this.#active === null ? 'idle' : 'busy');
  }

  #onDelivered(requestId: string): void {
    const active = this.#active;
    if (active === null) return;
    this.#listeners.onDelivered(requestId);
    for (const timer of active.timers) clearTimeout(timer);
    active.deliveredAt = monotonicMs();
    const timeoutMs = active.deadline === undefined ? this.#config.timeoutMs : Math.max(0, active.deadline - active.deliveredAt);
    active.timers = [
      setTimeout(() => this.#onTimeout(), timeoutMs),
      setInterval(() => this.#checkMemory(), MEMORY_CHECK_INTERVAL_MS),
    ];
  }

  #checkMemory(): void {
    const peakBytes = this.#probe?.readPeakBytes();
    if (peakBytes !== undefined && peakBytes > mbToBytes(this.#config.memoryMb)) this.#failAndKill(ErrorTypes.outOfMemory);
  }

  #onTimeout(): void {
    this.#failAndKill(ErrorTypes.timedOut);
  }

  /** errorType: the platform's (the runtime's error type header); the payload is what the invoker gets. */
  #onRuntimeResult(requestId: string, status: 'ok' | 'error', payloadJson: string, errorType?: string): void {
    if (this.#active?.request.requestId !== requestId) return;
    const peakBytes = this.#probe?.readPeakBytes();
    // A peak past the limit that only shows at the end still fails: on AWS the function could not have finished.
    if (peakBytes !== undefined && peakBytes > mbToBytes(this.#config.memoryMb)) {
      return this.#failAndKill(ErrorTypes.outOfMemory, peakBytes);
    }
    this.#transition('idle');
    this.#settle(status, payloadJson, errorType, false, peakBytes);
  }

  #onInitError(payloadJson: string, errorType: string): void {
    // The init error is what the first invocation returns; the runtime is reset, as AWS does.
    const active = this.#active;
    if (this.#retirement === null) this.#reportInit('error', errorType);
    void this.retire();
    if (active !== null) this.#settle('error', payloadJson, errorType, true);
  }

  #onResponseTooLarge(requestId: string, sizeBytes: number): void {
    if (this.#active?.request.requestId !== requestId) return;
    this.#transition('idle');
    this.#fail(responseTooLargePayload(sizeBytes), false);
  }

  /** The invocation stays active while its body streams: a timeout or crash meanwhile ends the stream with that error. */
  #onResponseStream(requestId: string, stream: ResponseStream): void {
    const active = this.#active;
    if (active?.request.requestId !== requestId) return stream.discard();
    active.stream = stream;
    void takeStreamedResponse(stream, active.request.onResponseStream).then((result) => {
      if (this.#active !== active) return; // already settled: the sandbox failed mid-stream
      if (result.failure !== undefined) {
        this.#transition('idle');
        return this.#fail(result.failure, false);
      }
      this.#onRuntimeResult(requestId, result.status, result.payloadJson, result.errorType);
    });
  }

  #onExit(status: ExitStatus): void {
    // Not killed by emu (a retirement) and never asked for an event: the init failed.
    if (this.#initDurationMs === undefined && this.#retirement === null) this.#reportInit('error', ErrorTypes.exitError);
    this.#transition('dead');
    this.#probe?.stop();
    void this.retire(); // its group and any grandchild that left it die with it
    const active = this.#active;
    if (active === null) return;
    if (active.deliveredAt === undefined && this.#initDurationMs !== undefined) {
      // It died between invocations (say, exiting after reporting an error): this
      // invocation never reached it, so it is not its failure. The pool retries it.
      this.#active = null;
      for (const timer of active.timers) clearTimeout(timer);
      active.reject(new SandboxGoneError(this.id));
      return;
    }
    this.#fail(exitPayload(active.request.requestId, status), true);
  }

  /** Timeout or memory: the whole process group is killed at once and the invocation fails. */
  #failAndKill(errorType: typeof ErrorTypes.timedOut | typeof ErrorTypes.outOfMemory, peakBytes?: number): void {
    const active = this.#active;
    if (active === null) return;
    const peak = peakBytes ?? this.#probe?.readPeakBytes();
    this.#server.abandon();
    void this.retire();
    const requestId = active.request.requestId;
    this.#fail(errorType === ErrorTypes.timedOut ? timeoutPayload(requestId, this.#config.timeoutMs) : outOfMemoryPayload(requestId), true, peak);
  }

  #fail(failure: FailurePayload, sandboxLost: boolean, peakBytes?: number): void {
    this.#settle('error', failure.payloadJson, failure.errorType, sandboxLost, peakBytes);
  }

  #settle(status: 'ok' | 'error', payloadJson: string, errorType: string | undefined, sandboxLost: boolean, peakBytes?: number): void {
    const active = this.#active;
    if (active === null) return;
    this.#active = null;
    for (const timer of active.timers) clearTimeout(timer);
    const now = monotonicMs();
    const peakRssBytes = peakBytes ?? this.#probe?.readPeakBytes();
    const outcome: SandboxOutcome = {
      requestId: active.request.requestId,
      status,
      payloadJson,
      coldStart: active.coldStart,
      durationMs: now - (active.deliveredAt ?? now),
      peakRssMethod: this.#probe?.method ?? 'proc-vmhwm',
      sandboxLost,
    };
    if (errorType !== undefined) outcome.errorType = errorType;
    if (active.coldStart && this.#initDurationMs !== undefined) outcome.initDurationMs = this.#initDurationMs;
    if (active.stream !== undefined) {
      if (status === 'error') active.stream.abort(errorType ?? ErrorTypes.unknown, payloadJson);
      outcome.streamed = streamedMetrics(active.stream, active.deliveredAt);
    }
    if (peakRssBytes !== undefined) outcome.peakRssBytes = peakRssBytes;
    // Output written just before the answer may still be in the pipe: let it arrive first
    // (all of it, when the process is gone) so logs and START/END/REPORT keep their order.
    const handOver = (): void => {
      if (this.#capture !== null) outcome.logs = Buffer.concat(this.#capture).toString('utf8');
      this.#capture = null;
      active.resolve(outcome);
    };
    if (sandboxLost && this.#closed !== null) void withTimeout(this.#closed, EXIT_WAIT_MS).then(handOver);
    else setImmediate(handOver);
  }
}

function streamedMetrics(stream: ResponseStream, deliveredAt: number | undefined): StreamedMetrics {
  const metrics: StreamedMetrics = { bytesStreamed: stream.bytesStreamed };
  const firstByteAt = stream.firstByteAtMs;
  if (firstByteAt !== undefined && deliveredAt !== undefined) metrics.timeToFirstByteMs = firstByteAt - deliveredAt;
  return metrics;
}

/** SIGKILLs the group led by pid, its descendants, and every process still carrying the sandbox's marker. */
function killProcesses(sandboxId: string, pid: number): void {
  killSandboxTree(pid);
  killMarkedProcesses(sandboxId, pid);
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
