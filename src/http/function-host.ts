/**
 * One served function: its own emulator (so its own warm sandboxes), its
 * logs tagged with its name, and with --watch a fresh emulator whenever its
 * code changes. Requests already running finish on the old sandboxes, which
 * are closed once they are done; new requests go to the new ones.
 */
import { createEmulator, type Emulator, type EmulatorOptions } from '../emulator.js';
import type { InvocationResult, InvokeOptions } from '../supervisor/index.js';
import { watchCode } from './code-watcher.js';
import { lineTagger, type LineTagger } from './line-tagger.js';

export interface FunctionHostOptions {
  /** Everything but the log callbacks, which the host owns. */
  emulator: EmulatorOptions;
  watch: boolean;
  /** The server's stderr. */
  writeLog(text: string): void;
  logBackPressure?: (() => Promise<void> | undefined) | undefined;
}

interface Generation {
  emulator: Emulator;
  inFlight: number;
  retired?: () => void;
}

export class FunctionHost {
  readonly #options: FunctionHostOptions;
  readonly #tagger: LineTagger;
  readonly #stopWatching: () => void;
  readonly #closing = new Set<Promise<void>>();
  #current: Generation;

  constructor(options: FunctionHostOptions) {
    this.#options = options;
    this.#current = this.#start();
    this.#tagger = lineTagger(this.name, options.writeLog);
    this.#stopWatching = options.watch
      ? watchCode(this.#current.emulator.config.codeDir, (file) => this.restart(`${file} changed`))
      : () => {};
  }

  get name(): string {
    return this.#current.emulator.config.functionName;
  }

  get emulator(): Emulator {
    return this.#current.emulator;
  }

  async invokeJson(eventJson: string, options?: InvokeOptions): Promise<InvocationResult> {
    const generation = this.#current;
    generation.inFlight++;
    try {
      return await generation.emulator.invokeJson(eventJson, options);
    } finally {
      generation.inFlight--;
      if (generation.inFlight === 0) generation.retired?.();
    }
  }

  /** New sandboxes for the next requests; the old ones end once their requests have answered. */
  restart(reason: string): void {
    const old = this.#current;
    this.#current = this.#start();
    this.#options.writeLog(`emu: ${this.name}: ${reason}; new requests get fresh sandboxes\n`);
    this.#retire(old);
  }

  async close(): Promise<void> {
    this.#stopWatching();
    await Promise.all([this.#current.emulator.close(), ...this.#closing]);
    this.#tagger.flush();
  }

  #start(): Generation {
    const emulator = createEmulator({
      ...this.#options.emulator,
      onLog: (chunk) => {
        this.#tagger.write(chunk);
        return this.#options.logBackPressure?.();
      },
      onWarning: (message) => this.#options.writeLog(`emu: warning: ${this.#options.emulator.functionName ?? ''}: ${message}\n`),
    });
    return { emulator, inFlight: 0 };
  }

  #retire(generation: Generation): void {
    const drained = generation.inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (generation.retired = resolve));
    const closing = drained.then(() => generation.emulator.close()).finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }
}
