/**
 * The sandboxes of one function. Cold mode: a fresh sandbox per invocation,
 * killed once it answers. Warm mode: up to `concurrency` sandboxes, reused
 * while healthy and replaced when one is lost. p-queue bounds the work in
 * flight so callers can push without limit and still run in flat memory.
 */
import PQueue from 'p-queue';
import { Sandbox, SandboxGoneError, type FunctionConfig, type SandboxInvocation, type SandboxListeners, type SandboxOutcome } from '../sandbox/index.js';

export type SandboxMode = 'cold' | 'warm';

export interface FunctionPoolOptions {
  mode: SandboxMode;
  concurrency: number;
  listeners: SandboxListeners;
  /** Reports each sandbox's birth and death, for the composition root's exit hook. */
  onSandboxStarted(sandbox: Sandbox): void;
  onSandboxEnded(sandbox: Sandbox): void;
}

export class FunctionPool {
  readonly #config: FunctionConfig;
  readonly #options: FunctionPoolOptions;
  readonly #queue: PQueue;
  /** Started and not yet used, or warm and free. */
  #idle: Promise<Sandbox>[] = [];
  readonly #live = new Set<Sandbox>();
  /** Cold sandboxes being killed after answering: off the caller's path, but close() waits for them. */
  readonly #retiring = new Set<Promise<void>>();
  #closed = false;

  constructor(config: FunctionConfig, options: FunctionPoolOptions) {
    this.#config = config;
    this.#options = options;
    this.#queue = new PQueue({ concurrency: options.concurrency });
  }

  get config(): FunctionConfig {
    return this.#config;
  }

  /** Invocations waiting for a free sandbox plus those running. */
  get pendingCount(): number {
    return this.#queue.size + this.#queue.pending;
  }

  /** Starts a sandbox ahead of the next invocation, so its Node start overlaps the caller's own work. */
  prewarm(): void {
    if (!this.#closed) this.#idle.push(this.#startSandbox());
  }

  invoke(request: SandboxInvocation): Promise<SandboxOutcome> {
    return this.#queue.add(() => this.#run(request), { throwOnTimeout: true });
  }

  /** Waits until the queue has room for one more without exceeding concurrency (back-pressure for streams). */
  async waitForCapacity(): Promise<void> {
    await this.#queue.onSizeLessThan(1);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.clear();
    const starting = this.#idle;
    this.#idle = [];
    await Promise.all(starting.map((sandbox) => sandbox.then((s) => this.#retire(s, true), () => undefined)));
    await Promise.all([...this.#live].map((sandbox) => this.#retire(sandbox, true)));
    await Promise.all(this.#retiring);
  }

  async #run(request: SandboxInvocation): Promise<SandboxOutcome> {
    let sandbox = await this.#takeSandbox();
    let outcome: SandboxOutcome;
    try {
      outcome = await sandbox.invoke(request);
    } catch (error) {
      if (!(error instanceof SandboxGoneError)) throw error;
      // The warm sandbox died while idle, just as this invocation was queued on it.
      await this.#retire(sandbox);
      sandbox = await this.#startSandbox();
      outcome = await sandbox.invoke(request);
    }
    if (this.#options.mode === 'cold' || outcome.sandboxLost || sandbox.state === 'dead' || this.#closed) {
      const retiring = this.#retire(sandbox).finally(() => this.#retiring.delete(retiring));
      this.#retiring.add(retiring);
    } else {
      this.#idle.push(Promise.resolve(sandbox));
    }
    return outcome;
  }

  async #takeSandbox(): Promise<Sandbox> {
    while (this.#idle.length > 0) {
      const sandbox = await (this.#idle.shift() as Promise<Sandbox>);
      // A warm sandbox can die while idle (say, an unhandled rejection after it answered).
      if (sandbox.state !== 'dead') return sandbox;
      await this.#retire(sandbox);
    }
    return this.#startSandbox();
  }

  async #startSandbox(): Promise<Sandbox> {
    const sandbox = await Sandbox.start(this.#config, this.#options.listeners);
    this.#live.add(sandbox);
    this.#options.onSandboxStarted(sandbox);
    return sandbox;
  }

  async #retire(sandbox: Sandbox, sweep = false): Promise<void> {
    await sandbox.kill({ sweep });
    if (this.#live.delete(sandbox)) this.#options.onSandboxEnded(sandbox);
  }
}
