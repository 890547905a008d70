/**
 * The sandboxes of one function. Cold mode: a fresh sandbox per invocation,
 * killed once it answers. Warm mode: up to `concurrency` sandboxes, reused
 * while healthy and replaced when one is lost. p-queue bounds the work in
 * flight so callers can push without limit and still run in flat memory.
 */
import PQueue from 'p-queue';
import { usageError } from '../errors/emu-error.js';
import { Sandbox, SandboxGoneError, type FunctionConfig, type SandboxInvocation, type SandboxListeners, type SandboxOutcome } from '../sandbox/index.js';

export type SandboxMode = 'cold' | 'warm';

/** A warm sandbox whose credentials expire sooner than this is replaced, not reused: an invocation may run for 15 minutes. */
const CREDENTIALS_RECYCLE_MARGIN_MS = 5 * 60_000;

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
  /** When each sandbox's temporary credentials expire (epoch ms). */
  readonly #credentialsExpiry = new Map<Sandbox, number>();
  #closed = false;

  constructor(config: FunctionConfig, options: FunctionPoolOptions) {
    this.#config = config;
    this.#options = options;
    this.#queue = new PQueue({ concurrency: options.concurrency });
  }

  get config(): FunctionConfig {
    return this.#config;
  }

  /** Starts a sandbox ahead of the next invocation, so its Node start overlaps the caller's own work. */
  prewarm(): void {
    if (this.#closed) return;
    const starting = this.#startSandbox();
    starting.catch(() => {}); // a failure (say, credentials) reaches the invocation that takes it, not the process
    this.#idle.push(starting);
  }

  invoke(request: SandboxInvocation): Promise<SandboxOutcome> {
    return this.#queue.add(() => this.#run(request), { throwOnTimeout: true });
  }

  async close(): Promise<void> {
    // Queued invocations are not dropped (their callers would wait forever): each one
    // still runs #run, which refuses at once now that the pool is closed.
    this.#closed = true;
    const starting = this.#idle;
    this.#idle = [];
    await Promise.all(starting.map((sandbox) => sandbox.then((s) => this.#retire(s), () => undefined)));
    await Promise.all([...this.#live].map((sandbox) => this.#retire(sandbox)));
    await Promise.all(this.#retiring);
  }

  async #run(request: SandboxInvocation): Promise<SandboxOutcome> {
    if (this.#closed) throw usageError('the emulator was closed before this invocation started');
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
      this.#retireLater(sandbox);
    } else {
      this.#idle.push(Promise.resolve(sandbox));
    }
    return outcome;
  }

  async #takeSandbox(): Promise<Sandbox> {
    while (this.#idle.length > 0) {
      const sandbox = await (this.#idle.shift() as Promise<Sandbox>);
      // A warm sandbox can die while idle (say, an unhandled rejection after it answered).
      if (sandbox.state === 'dead') await this.#retire(sandbox);
      else if (this.#credentialsExpireSoon(sandbox)) this.#retireLater(sandbox);
      else return sandbox;
    }
    return this.#startSandbox();
  }

  async #startSandbox(): Promise<Sandbox> {
    // Each sandbox asks the provider: it refreshes credentials before they expire.
    const credentials = await this.#config.credentialsProvider?.();
    const config = credentials === undefined ? this.#config : { ...this.#config, credentials };
    const sandbox = await Sandbox.start(config, this.#options.listeners);
    if (credentials?.expiresAt !== undefined) this.#credentialsExpiry.set(sandbox, credentials.expiresAt.getTime());
    this.#live.add(sandbox);
    this.#options.onSandboxStarted(sandbox);
    if (this.#closed) {
      // close() ran while this one was starting: it must not outlive the pool.
      await this.#retire(sandbox);
      throw usageError('the emulator was closed before this invocation started');
    }
    return sandbox;
  }

  #credentialsExpireSoon(sandbox: Sandbox): boolean {
    const expiresAt = this.#credentialsExpiry.get(sandbox);
    return expiresAt !== undefined && expiresAt - Date.now() < CREDENTIALS_RECYCLE_MARGIN_MS;
  }

  async #retire(sandbox: Sandbox): Promise<void> {
    await sandbox.retire();
    this.#credentialsExpiry.delete(sandbox);
    if (this.#live.delete(sandbox)) this.#options.onSandboxEnded(sandbox);
  }

  /** Retires off the caller's path; close() still waits for it. */
  #retireLater(sandbox: Sandbox): void {
    const retiring = this.#retire(sandbox).finally(() => this.#retiring.delete(retiring));
    this.#retiring.add(retiring);
  }
}
