/**
 * Lines to a writable stream, one write per batch instead of one per line: at
 * thousands of events a second, a write system call per line costs more than
 * the rest of the output path. A batch goes out at the end of the current
 * turn of the event loop, or sooner once it is large.
 */
const FLUSH_AT_CHARS = 64 * 1024;

export interface WritableTarget {
  write(text: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export class BatchedWriter {
  readonly #target: WritableTarget;
  #parts: string[] = [];
  #chars = 0;
  #scheduled: NodeJS.Immediate | null = null;
  #drained: Promise<void> | null = null;
  #release: () => void = () => {};
  #failure: Error | null = null;

  /** onError: the target failed (EPIPE: the reader of a pipe went away); later writes are dropped. */
  constructor(target: WritableTarget, onError: (error: Error) => void) {
    this.#target = target;
    target.on('error', (error) => {
      if (this.#failure !== null) return;
      this.#failure = error;
      this.#release(); // a failed target never drains: nobody may wait for it
      onError(error);
    });
  }

  /** Queues text; false when the target asked to wait (see waitForDrain), as Writable.write does. */
  write(text: string): boolean {
    if (this.#failure !== null) return true;
    this.#parts.push(text);
    this.#chars += text.length;
    if (this.#chars >= FLUSH_AT_CHARS) this.flush();
    else this.#scheduled ??= setImmediate(() => this.flush());
    return this.#drained === null;
  }

  /** Resolves once the target has taken what it was given. */
  waitForDrain(): Promise<void> {
    return this.#drained ?? Promise.resolve();
  }

  flush(): void {
    if (this.#scheduled !== null) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    if (this.#parts.length === 0 || this.#failure !== null) return;
    const text = this.#parts.length === 1 ? (this.#parts[0] as string) : this.#parts.join('');
    this.#parts = [];
    this.#chars = 0;
    if (!this.#target.write(text) && this.#drained === null) {
      this.#drained = new Promise((resolve) => {
        this.#release = () => {
          this.#drained = null;
          this.#release = () => {};
          resolve();
        };
        this.#target.once('drain', () => this.#release());
      });
    }
  }

  /** Writes what is queued and waits until the target took it. */
  async end(): Promise<void> {
    this.flush();
    await this.waitForDrain();
  }
}
