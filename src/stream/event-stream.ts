/**
 * The stream engine: NDJSON events in, one record per event out, in input
 * order, whatever the concurrency. The reader only pulls the next line when
 * there is room (a free sandbox, a reorder buffer not too far ahead, an output
 * that keeps up), so memory stays flat however long the input is.
 *
 * An interruption stops the reading at once, ends every sandbox, and still
 * gives every event already read its record: its result if it finished,
 * Emu.Interrupted if it did not.
 */
import { randomUUID } from 'node:crypto';
import { ErrorTypes } from '../errors/catalogue.js';
import type { InvocationResult, InvokeOptions } from '../supervisor/index.js';
import { jsonProblem, readNdjsonLines } from './ndjson-lines.js';
import { OrderedWriter } from './ordered-writer.js';
import { failureRecord, StreamErrorTypes, type StreamRecord } from './stream-record.js';

/** What the stream needs of an Emulator. */
export interface StreamInvoker {
  invokeJson(eventJson: string, options?: InvokeOptions): Promise<InvocationResult>;
  /** Ends every sandbox: in-flight invocations then resolve as failures. */
  close(): Promise<void>;
}

/** Takes records in input order; false asks the reader to wait for waitForDrain(), as Writable.write does. */
export interface RecordSink {
  write(record: StreamRecord): boolean;
  waitForDrain(): Promise<void>;
}

export interface StreamInput extends AsyncIterable<Buffer | string> {
  /** Called on interruption so that a read blocked on a quiet pipe (stdin) ends too. */
  destroy?(): unknown;
}

export interface EventStreamOptions {
  input: StreamInput;
  invoker: StreamInvoker;
  sink: RecordSink;
  /** Events handed to the invoker at once; its concurrency, so that none waits in its queue. */
  maxInFlight: number;
  /** How far finished events may run ahead of the oldest unfinished one. Default 1024. */
  reorderWindow?: number;
  /** Passed with every invocation (context overrides); the request id is always the stream's own. */
  invokeOptions?: Omit<InvokeOptions, 'requestId'>;
  /** After an interruption, how long to wait for invocations to report their dead sandbox. Default 2000. */
  interruptGraceMs?: number;
}

export interface EventStreamOutcome {
  /** Events read, each with its record. */
  events: number;
  interrupted: boolean;
  /** Reading the input failed midway (not by an interruption); events read before it have their records. */
  readError?: Error;
}

interface Submitted {
  line: number;
  requestId: string;
}

export class EventStream {
  readonly #options: EventStreamOptions;
  readonly #writer: OrderedWriter<StreamRecord>;
  /** Handed to the invoker, no record yet; by sequence number. */
  readonly #unsettled = new Map<number, Submitted>();
  /** Request id → line, for tagging log lines; only while in flight. */
  readonly #lines = new Map<string, number>();
  #sequence = 0;
  #interrupted = false;
  #sinkBlocked = false;
  #changed: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(options: EventStreamOptions) {
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) throw new RangeError('maxInFlight must be a whole number ≥ 1');
    this.#options = options;
    this.#writer = new OrderedWriter((record) => {
      if (!options.sink.write(record)) this.#sinkBlocked = true;
    });
  }

  /** The input line of an invocation in flight, by its request id. */
  lineOf(requestId: string): number | undefined {
    return this.#lines.get(requestId);
  }

  /** Events handed to the invoker and not finished. */
  get inFlight(): number {
    return this.#unsettled.size;
  }

  get interrupted(): boolean {
    return this.#interrupted;
  }

  /** Stops reading and ends every sandbox; run() then settles what was read and resolves. */
  interrupt(): void {
    if (this.#interrupted) return;
    this.#interrupted = true;
    this.#options.input.destroy?.();
    this.#wake();
  }

  async run(): Promise<EventStreamOutcome> {
    let readError: Error | undefined;
    try {
      await this.#readAll();
    } catch (error) {
      if (!this.#interrupted) readError = error instanceof Error ? error : new Error(String(error));
    }
    while (this.#unsettled.size > 0 && !this.#interrupted) await this.#nextChange();
    if (this.#interrupted) await this.#settleInterrupted();
    const outcome: EventStreamOutcome = { events: this.#sequence, interrupted: this.#interrupted };
    if (readError !== undefined) outcome.readError = readError;
    return outcome;
  }

  async #readAll(): Promise<void> {
    for await (const { line, text } of readNdjsonLines(this.#options.input)) {
      const sequence = this.#sequence++;
      if (this.#interrupted) {
        this.#writer.put(sequence, failureRecord(line, null, StreamErrorTypes.interrupted, 'interrupted before it was invoked'));
        return;
      }
      const problem = jsonProblem(text);
      if (problem === undefined) this.#submit(sequence, line, text);
      else this.#writer.put(sequence, failureRecord(line, null, StreamErrorTypes.invalidJson, problem));
      await this.#waitForRoom();
      if (this.#interrupted) return;
    }
  }

  #submit(sequence: number, line: number, eventJson: string): void {
    const requestId = randomUUID();
    this.#unsettled.set(sequence, { line, requestId });
    this.#lines.set(requestId, line);
    this.#options.invoker.invokeJson(eventJson, { ...this.#options.invokeOptions, requestId }).then(
      (result) => this.#settle(sequence, this.#fromResult(line, result)),
      (error: unknown) => this.#settle(sequence, this.#fromRejection(line, requestId, error)),
    );
  }

  #fromResult(line: number, result: InvocationResult): StreamRecord {
    // Once interrupted, a sandbox that died under an invocation was most likely killed by us: say so, not "it crashed".
    const killedByUs = this.#interrupted && result.metrics.sandboxLost && result.error?.errorType === ErrorTypes.exitError;
    if (!killedByUs) return { kind: 'result', line, result };
    return failureRecord(line, result.requestId, StreamErrorTypes.interrupted, 'interrupted while running; its sandbox was ended');
  }

  #fromRejection(line: number, requestId: string, error: unknown): StreamRecord {
    if (this.#interrupted) return failureRecord(line, requestId, StreamErrorTypes.interrupted, 'interrupted before it finished');
    const message = error instanceof Error ? error.message : String(error);
    return failureRecord(line, requestId, StreamErrorTypes.internal, `emu failed to invoke it: ${message}`);
  }

  #settle(sequence: number, record: StreamRecord): void {
    const submitted = this.#unsettled.get(sequence);
    if (submitted === undefined) return; // already written off after an interruption
    this.#unsettled.delete(sequence);
    this.#lines.delete(submitted.requestId);
    this.#writer.put(sequence, record);
    this.#wake();
  }

  /** Waits while every slot is busy, the finished ones run too far ahead, or the sink is full. */
  async #waitForRoom(): Promise<void> {
    const window = this.#options.reorderWindow ?? 1024;
    for (;;) {
      if (this.#interrupted) return;
      if (this.#sinkBlocked) {
        const drained = this.#options.sink.waitForDrain().then(() => true);
        if (await Promise.race([drained, this.#nextChange().then(() => false)])) this.#sinkBlocked = false;
        continue;
      }
      if (this.#unsettled.size < this.#options.maxInFlight && this.#writer.held < window) return;
      await this.#nextChange();
    }
  }

  async #settleInterrupted(): Promise<void> {
    await this.#options.invoker.close().catch(() => {});
    // Not unref'd: with every sandbox gone, this timer may be all that keeps the process alive until run() resolves.
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), this.#options.interruptGraceMs ?? 2000)));
    while (this.#unsettled.size > 0 && !(await Promise.race([this.#nextChange().then(() => false), graceOver]))) {
      // Each invocation that reports its dead sandbox brings its own record; the rest are written off below.
    }
    clearTimeout(timer);
    for (const [sequence, { line, requestId }] of [...this.#unsettled.entries()].sort((a, b) => a[0] - b[0])) {
      this.#settle(sequence, failureRecord(line, requestId, StreamErrorTypes.interrupted, 'interrupted before it finished'));
    }
  }

  #nextChange(): Promise<void> {
    if (this.#changed === null) {
      let resolve = (): void => {};
      const promise = new Promise<void>((r) => (resolve = r));
      this.#changed = { promise, resolve };
    }
    return this.#changed.promise;
  }

  #wake(): void {
    const changed = this.#changed;
    this.#changed = null;
    changed?.resolve();
  }
}
