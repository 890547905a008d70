/**
 * One served function: its own emulator (so its own warm sandboxes), its logs tagged with its
 * name, and a fresh emulator for each new version of its code (a rebuild, or with --watch a
 * changed file). Requests already running finish on the old sandboxes, which are closed once
 * they are done; new requests go to the new ones. A request during a rebuild waits for it.
 */
import type { CodeSource, RunnableCode } from '../build/index.js';
import { createEmulator, defaultFunctionName, DEFAULTS, type Emulator, type EmulatorOptions } from '../emulator.js';
import { usageError } from '../errors/emu-error.js';
import { platformLogFormat, type InvocationResult, type InvokeOptions, type PlatformLogFormat } from '../supervisor/index.js';
import { lineTagger, type LineTagger } from './line-tagger.js';

export interface FunctionHostOptions {
  /** The function as configured (its source handler and folder); the log callbacks are the host's. */
  emulator: EmulatorOptions;
  /** What it runs: the code as written, or its build. */
  code: CodeSource;
  /** The server's stderr. */
  writeLog(text: string): void;
  logBackPressure?: (() => Promise<void> | undefined) | undefined;
}

interface Generation {
  code: RunnableCode;
  emulator: Emulator;
  inFlight: number;
  retired?: () => void;
  platformLog?: PlatformLogFormat;
}

export class FunctionHost {
  readonly name: string;
  readonly functionVersion: string;
  readonly #options: FunctionHostOptions;
  readonly #tagger: LineTagger;
  readonly #closing = new Set<Promise<void>>();
  #current: Generation | undefined;
  #closed = false;

  constructor(options: FunctionHostOptions) {
    this.#options = options;
    const { emulator } = options;
    this.name = emulator.functionName ?? defaultFunctionName(emulator.handler, emulator.codeDir ?? '.');
    this.functionVersion = emulator.functionVersion ?? DEFAULTS.functionVersion;
    this.#tagger = lineTagger(this.name, options.writeLog);
    // The next version's sandbox starts now, not at the next request: a saved edit is answered sooner.
    options.code.onChange((code, reason) => {
      if (this.#closed) return;
      this.#switchTo(code, true);
      this.#options.writeLog(`emu: ${this.name}: ${reason}; new requests get fresh sandboxes\n`);
    });
  }

  /** The first emulator, for code that is ready: options it refuses are refused at start-up, not at the first request. */
  async start(): Promise<void> {
    const code = await this.#options.code.ready().catch(() => undefined);
    if (code !== undefined && this.#current === undefined) this.#switchTo(code, false);
  }

  /** Rejects with the build's error when the function's code never built. */
  async invokeJson(eventJson: string, options?: InvokeOptions): Promise<InvocationResult> {
    const code = await this.#options.code.ready();
    if (this.#closed) throw usageError(`${this.name}: the server is stopping`);
    const generation = this.#current?.code === code ? this.#current : this.#switchTo(code, false);
    generation.inFlight++;
    try {
      return await generation.emulator.invokeJson(eventJson, options);
    } finally {
      generation.inFlight--;
      if (generation.inFlight === 0) generation.retired?.();
    }
  }

  /** Lambda's platform lines in this function's log format (the Invoke API's log tail), from the emulator now serving. */
  platformLog(): PlatformLogFormat | undefined {
    const generation = this.#current;
    if (generation === undefined) return undefined;
    generation.platformLog ??= platformLogFormat(generation.emulator.config);
    return generation.platformLog;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#options.code.close();
    await Promise.all([this.#current?.emulator.close(), ...this.#closing]);
    this.#tagger.flush();
  }

  #switchTo(code: RunnableCode, prewarm: boolean): Generation {
    const old = this.#current;
    const emulator = createEmulator({
      ...this.#options.emulator,
      handler: code.handler,
      codeDir: code.codeDir,
      env: { ...this.#options.emulator.env, ...code.env },
      functionName: this.name,
      prewarm,
      onLog: (chunk) => {
        this.#tagger.write(chunk);
        return this.#options.logBackPressure?.();
      },
      onWarning: (message) => this.#options.writeLog(`emu: warning: ${this.name}: ${message}\n`),
    });
    this.#current = { code, emulator, inFlight: 0 };
    if (old !== undefined) this.#retire(old);
    return this.#current;
  }

  #retire(generation: Generation): void {
    const drained = generation.inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (generation.retired = resolve));
    const closing = drained.then(() => generation.emulator.close()).finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }
}
