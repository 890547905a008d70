/**
 * A response the runtime streams (Lambda-Runtime-Function-Response-Mode: streaming): the body's
 * chunks as they arrive, read with back-pressure (nothing is read from the runtime's socket until
 * the reader asks), and how the stream ended: complete, or the error from the
 * Lambda-Runtime-Function-Error-Type / -Error-Body trailers, a cut connection, the size limit, or
 * the sandbox's own failure (timeout, crash). It is read once; nothing here holds the body.
 */
import type { IncomingMessage } from 'node:http';
import { ErrorTypes } from '../errors/catalogue.js';
import { paceScavenges } from './scavenge-pacer.js';
import { monotonicMs } from '../measure/clock.js';

export type StreamEnding =
  | { status: 'complete'; bytesStreamed: number }
  | {
      status: 'error';
      errorType: string;
      /** The error object as the invoker gets it: JSON text. */
      errorBodyJson: string;
      bytesStreamed: number;
    };

/** AWS's limit for a streamed response: 200 MiB (docs: "Response payload size: 200 MB for streamed responses"). */
export const MAX_STREAMED_RESPONSE_BYTES = 200 * 1024 * 1024;

const CUT_GRACE_MS = 100;
const ERROR_TYPE_TRAILER = 'lambda-runtime-function-error-type';
const ERROR_BODY_TRAILER = 'lambda-runtime-function-error-body';

export class ResponseStream implements AsyncIterable<Buffer> {
  /** The runtime's Content-Type (HttpResponseStream.from sets application/vnd.awslambda.http-integration-response). */
  readonly contentType: string;
  readonly ended: Promise<StreamEnding>;
  readonly #req: IncomingMessage;
  readonly #limitBytes: number;
  #bytes = 0;
  #firstByteAt: number | undefined;
  #ending: StreamEnding | null = null;
  #resolveEnded!: (ending: StreamEnding) => void;
  #read = false;
  /** Dropping what arrives: nobody reads, or the stream has ended early (the size limit). */
  #discarding = false;
  /**
   * Chunks taken from the socket and not yet read: at most one, as the request is paused on each.
   * 'data' and pause(), not read(): read() of a paused stream joins every piece buffered into one
   * new Buffer, a second copy of the whole body for the collector to free (twice the supervisor's
   * garbage per byte streamed, and RSS growth with it: benchmarks/streaming.bench.ts).
   */
  readonly #queue: Buffer[] = [];
  /** Wakes a reader waiting for the next chunk. */
  #wake: (() => void) | null = null;

  constructor(req: IncomingMessage, limitBytes = MAX_STREAMED_RESPONSE_BYTES) {
    this.#req = req;
    this.#limitBytes = limitBytes;
    this.contentType = req.headers['content-type'] ?? 'application/octet-stream';
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    req.on('data', (chunk: Buffer) => this.#onData(chunk));
    req.once('end', () => this.#finish(endingFromTrailers(req.trailers, this.#bytes)));
    // Cut before its end (the runtime destroyed its stream, or died): RIE's Truncated, unless the
    // sandbox says why first (a crash closes the socket a moment before the exit is seen).
    req.once('close', () => {
      if (req.complete || this.#ending !== null) return;
      const cut = setTimeout(() => this.#finish(errorEnding(ErrorTypes.truncatedResponse, 'The function response was truncated', this.#bytes)), CUT_GRACE_MS);
      cut.unref();
      void this.ended.then(() => clearTimeout(cut));
    });
  }

  get bytesStreamed(): number {
    return this.#bytes;
  }

  /** monotonicMs() when the first body byte was read, if one was. */
  get firstByteAtMs(): number | undefined {
    return this.#firstByteAt;
  }

  /** The sandbox failed (timeout, crash, memory): the stream ends with that error, whatever the runtime does next. */
  abort(errorType: string, errorBodyJson: string): void {
    if (this.#ending !== null) return;
    this.#queue.length = 0;
    this.#finish({ status: 'error', errorType, errorBodyJson, bytesStreamed: this.#bytes });
    this.#req.destroy();
  }

  /** Reads the rest and drops it: nobody wants the body, but the runtime must see its response taken. */
  discard(): void {
    this.#read = true;
    this.#queue.length = 0;
    this.#dropRest();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    if (this.#read) throw new Error('a response stream can be read only once');
    this.#read = true;
    try {
      for (;;) {
        const chunk = this.#queue.shift();
        if (chunk !== undefined) {
          // The next chunk is read while this one is written: one ahead, never more.
          if (!this.#discarding) this.#req.resume();
          yield chunk;
          continue;
        }
        if (this.#ending !== null) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } finally {
      // A reader that stopped early (its client went away): the rest is drained, so the runtime can go on.
      if (this.#ending === null) this.discard();
    }
  }

  #onData(chunk: Buffer): void {
    const wanted = !this.#discarding;
    const allowed = this.#count(chunk);
    if (allowed === null || !wanted) return;
    this.#queue.push(allowed);
    if (!this.#discarding) this.#req.pause();
    this.#notify();
  }

  /** Counts a chunk; past the limit the stream ends with AWS's error and the rest is dropped. Returns what may be passed on. */
  #count(chunk: Buffer): Buffer | null {
    if (this.#ending !== null) return null;
    this.#firstByteAt ??= monotonicMs();
    paceScavenges(chunk.length);
    const room = this.#limitBytes - this.#bytes;
    this.#bytes += chunk.length;
    if (chunk.length <= room) return chunk;
    this.#bytes = this.#limitBytes;
    const message = `Response payload size exceeded maximum allowed payload size (${this.#limitBytes} bytes).`;
    this.#finish(errorEnding(ErrorTypes.responseSizeTooLarge, message, this.#bytes));
    this.#dropRest(); // the rest is read and dropped, so the runtime's request can end
    return room > 0 ? chunk.subarray(0, room) : null;
  }

  /** Flowing from now on, each chunk counted (and dropped once ended). */
  #dropRest(): void {
    this.#discarding = true;
    this.#req.resume();
  }

  #finish(ending: StreamEnding): void {
    if (this.#ending !== null) return;
    this.#ending = ending;
    this.#resolveEnded(ending);
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

function errorEnding(errorType: string, errorMessage: string, bytesStreamed: number): StreamEnding {
  return { status: 'error', errorType, errorBodyJson: JSON.stringify({ errorMessage, errorType }), bytesStreamed };
}

/** The trailers RIC sends after a failure: the type, and the error object as base64 JSON. */
function endingFromTrailers(trailers: NodeJS.Dict<string>, bytesStreamed: number): StreamEnding {
  const errorType = trailers[ERROR_TYPE_TRAILER];
  if (errorType === undefined || errorType === '') return { status: 'complete', bytesStreamed };
  const encoded = trailers[ERROR_BODY_TRAILER] ?? '';
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const errorBodyJson = decoded === '' ? JSON.stringify({ errorMessage: '', errorType }) : decoded;
  return { status: 'error', errorType, errorBodyJson, bytesStreamed };
}
