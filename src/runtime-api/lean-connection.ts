/**
 * The Runtime API's hot path without node:http: a runtime's `GET /next` and buffered
 * `POST /{id}/response`, parsed strictly and answered with the bytes node:http would send. Any
 * other request (another route, a header the hot path does not know, a body still arriving, any
 * syntax llhttp might judge otherwise) hands the connection, with every byte read so far, to the
 * node:http server for good, so unusual and malformed requests are answered exactly as before
 * (docs/runtime-api-malformed-requests.md).
 * Why: node:http's parser and header checks and one write per response were about half of the
 * supervisor's CPU per warm invocation. Here the 202 for a `/response` waits, corked, for the event
 * that answers the `/next` pipelined behind it, and both leave in one write.
 */
import { validateHeaderValue } from 'node:http';
import type { Socket } from 'node:net';

/** What the hot path hands the server; `reply*` and `sendEvent` answer it. */
export type LeanRequest = { kind: 'next' } | { kind: 'response'; requestId: string; body: Buffer };

/** The invocation headers of one event (the server's PendingInvocation, as far as the wire goes). */
export interface EventHeaders {
  requestId: string;
  eventJson: string;
  invokedFunctionArn: string;
  traceId: string;
  clientContextJson?: string;
  cognitoIdentityJson?: string;
  tenantId?: string;
}

export interface LeanRequestHandler {
  /** One complete hot-path request; it is answered now, or later for a waiting /next. */
  onLeanRequest(connection: LeanConnection, request: LeanRequest): void;
  /** The connection closed (a /next waiting on it gives up its slot). */
  onLeanClose(connection: LeanConnection): void;
  /** Not for the hot path: node:http takes the socket and the bytes read but not yet handled. */
  handOver(socket: Socket, unread: Buffer): void;
  /** A handler threw (emu's bug): the request got 500, as on the node:http path. */
  onLeanError(error: unknown): void;
}

const EMPTY = Buffer.alloc(0);
const HEAD_END = Buffer.from('\r\n\r\n');
/** Runtime clients send a few hundred bytes of head; more is left to node:http and its limits. */
const MAX_HEAD_BYTES = 8192;
/** Larger bodies (up to the 6 MB limit, and the 413 past it) take the node:http path. */
const MAX_BODY_BYTES = 65_536;
/** Bytes pipelined behind a waiting /next that are kept before reading pauses, as node:http pauses. */
const MAX_PIPELINED_BYTES = 1_048_576;
const NEXT_LINE = 'GET /2018-06-01/runtime/invocation/next HTTP/1.1';
const RESPONSE_PREFIX = 'POST /2018-06-01/runtime/invocation/';
const RESPONSE_SUFFIX = '/response HTTP/1.1';
/** A request id as emu and AWS make them; anything with escapes or separators takes the node:http path. */
const PLAIN_ID = /^[A-Za-z0-9._~-]+$/;
/** Header names the hot path knows; llhttp's token syntax, and none that changes framing or meaning. */
const KNOWN_HEADERS = new Set(['host', 'content-type', 'content-length', 'user-agent', 'accept', 'accept-encoding']);
/** A value llhttp accepts in strict mode and node:http hands over unchanged: no controls, no obs-text. */
const PLAIN_VALUE = /^[\t\x20-\x7e]*$/;
const DIGITS = /^[0-9]{1,7}$/;
const ACCEPTED_BODY = '{"status":"OK"}';
const STATUS_LINES: Record<number, string> = { 200: 'HTTP/1.1 200 OK', 202: 'HTTP/1.1 202 Accepted', 400: 'HTTP/1.1 400 Bad Request', 403: 'HTTP/1.1 403 Forbidden', 500: 'HTTP/1.1 500 Internal Server Error' };

interface LeanHead {
  request: { kind: 'next' } | { kind: 'response'; requestId: string };
  contentLength: number;
}

export class LeanConnection {
  readonly #socket: Socket;
  readonly #handler: LeanRequestHandler;
  #buffer: Buffer = EMPTY;
  /** A /next is waiting on this connection: later requests wait behind it, as their answers would. */
  #owed = false;
  #answered = false;
  #corked = false;
  #flushScheduled = false;
  #handedOver = false;

  constructor(socket: Socket, handler: LeanRequestHandler) {
    this.#socket = socket;
    this.#handler = handler;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('error', () => {}); // 'close' follows and is what matters
  }

  /** The answer to a /next: the event with its invocation headers. */
  sendEvent(invocation: EventHeaders, deadlineEpochMs: number): void {
    const body = Buffer.from(invocation.eventJson, 'utf8');
    let head = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n${header('Lambda-Runtime-Aws-Request-Id', invocation.requestId)}Lambda-Runtime-Deadline-Ms: ${deadlineEpochMs}\r\n${header('Lambda-Runtime-Invoked-Function-Arn', invocation.invokedFunctionArn)}${header('Lambda-Runtime-Trace-Id', invocation.traceId)}`;
    // Optional headers are omitted when empty, as AWS and RIE do.
    if (invocation.clientContextJson) head += header('Lambda-Runtime-Client-Context', invocation.clientContextJson);
    if (invocation.cognitoIdentityJson) head += header('Lambda-Runtime-Cognito-Identity', invocation.cognitoIdentityJson);
    if (invocation.tenantId) head += header('Lambda-Runtime-Aws-Tenant-Id', invocation.tenantId);
    this.#write(`${head}Date: ${httpDate()}\r\nConnection: keep-alive\r\n\r\n`, body);
  }

  /** A JSON answer, as replies.ts's reply() renders it through node:http. */
  reply(status: number, body: object): void {
    const json = Buffer.from(JSON.stringify(body));
    this.#write(`${STATUS_LINES[status] ?? `HTTP/1.1 ${status}`}\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\nDate: ${httpDate()}\r\nConnection: keep-alive\r\n\r\n`, json);
  }

  accepted(): void {
    this.#write(`HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\nDate: ${httpDate()}\r\nConnection: keep-alive\r\n\r\n${ACCEPTED_BODY}`, null);
  }

  #write(head: string, body: Buffer | null): void {
    this.#answered = true;
    const wasOwed = this.#owed;
    this.#owed = false;
    const socket = this.#socket;
    if (socket.writable) {
      // latin1, as node:http writes header strings (validateHeaderValue kept them within it).
      socket.write(head, 'latin1');
      if (body !== null) socket.write(body);
    }
    if (!wasOwed) return;
    // The event for a waiting /next: out now, with the 202 corked ahead of it.
    this.#uncork();
    if (this.#buffer.length > 0) setImmediate(() => this.#parse());
    if (socket.isPaused()) socket.resume();
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (!this.#owed) this.#parse();
    else if (this.#buffer.length > MAX_PIPELINED_BYTES) this.#socket.pause();
  };

  /** Handles every complete request in the buffer; anything else goes to node:http with its bytes. */
  #parse(): void {
    if (this.#handedOver || this.#owed) return;
    if (!this.#corked) {
      this.#socket.cork();
      this.#corked = true;
    }
    while (!this.#owed && this.#buffer.length > 0) {
      const headEnd = this.#buffer.indexOf(HEAD_END);
      // A head or body still arriving is left to node:http, which answers partial requests as it always has.
      const head = headEnd === -1 || headEnd > MAX_HEAD_BYTES ? null : parseHead(this.#buffer.toString('latin1', 0, headEnd));
      const end = headEnd + 4 + (head?.contentLength ?? 0);
      if (head === null || end > this.#buffer.length) return this.#handOver();
      const body = this.#buffer.subarray(headEnd + 4, end);
      this.#buffer = end === this.#buffer.length ? EMPTY : this.#buffer.subarray(end);
      this.#dispatch(head.request.kind === 'next' ? head.request : { kind: 'response', requestId: head.request.requestId, body });
    }
    if (this.#owed) this.#scheduleFlush();
    else this.#uncork();
  }

  #dispatch(request: LeanRequest): void {
    this.#answered = false;
    try {
      this.#handler.onLeanRequest(this, request);
    } catch (error) {
      this.#handler.onLeanError(error);
      if (this.#answered) this.#socket.destroy();
      else this.reply(500, { errorType: 'InternalServerError', errorMessage: 'Internal Server Error' });
      return;
    }
    if (request.kind === 'next' && !this.#answered) this.#owed = true;
  }

  /** A 202 corked behind a waiting /next goes out by itself if no event comes within this turn of the loop. */
  #scheduleFlush(): void {
    if (this.#flushScheduled || !this.#corked) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#uncork();
    });
  }

  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket.uncork();
  }

  #handOver(): void {
    this.#handedOver = true;
    this.#uncork(); // answers already written go first, in order
    const socket = this.#socket;
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#onClose);
    const unread = this.#buffer;
    this.#buffer = EMPTY;
    this.#handler.handOver(socket, unread);
  }

  /** The client is done sending: as node:http does (httpAllowHalfOpen off), end our side too. */
  readonly #onEnd = (): void => {
    this.#uncork();
    this.#socket.end();
  };

  readonly #onClose = (): void => {
    this.#owed = false;
    this.#handler.onLeanClose(this);
  };
}

/** The head of a hot-path request, or null when node:http should judge it. */
function parseHead(head: string): LeanHead | null {
  const lines = head.split('\r\n');
  const requestLine = lines[0] as string;
  let request: LeanHead['request'];
  if (requestLine === NEXT_LINE) request = { kind: 'next' };
  else if (requestLine.startsWith(RESPONSE_PREFIX) && requestLine.endsWith(RESPONSE_SUFFIX)) {
    const requestId = requestLine.slice(RESPONSE_PREFIX.length, requestLine.length - RESPONSE_SUFFIX.length);
    if (!PLAIN_ID.test(requestId)) return null;
    request = { kind: 'response', requestId };
  } else return null;
  let host = false;
  let contentLength: number | undefined;
  const seen = new Set<string>();
  for (let at = 1; at < lines.length; at++) {
    const line = lines[at] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1);
    if (!KNOWN_HEADERS.has(name) || seen.has(name) || !PLAIN_VALUE.test(value)) return null;
    seen.add(name);
    if (name === 'host') host = true;
    else if (name === 'content-length') {
      const digits = value.trim();
      if (!DIGITS.test(digits)) return null;
      contentLength = Number(digits);
    }
  }
  // node:http refuses an HTTP/1.1 request without Host; a GET with a body and a POST without a length are its to judge.
  if (!host) return null;
  if (request.kind === 'next' ? contentLength !== undefined : contentLength === undefined || contentLength > MAX_BODY_BYTES) return null;
  return { request, contentLength: contentLength ?? 0 };
}

/** What node:http's validateHeaderValue lets through: tab, visible ASCII and space, and bytes 0x80-0xff. */
const SENDABLE_HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * One header line; throws as node:http's writeHead does for a value it would not send. Only a
 * value the pattern refuses goes to node:http itself, for its own error: node:http is loaded
 * once that happens, not for every run's first event (~2 ms of a one-shot `emu run`).
 */
function header(name: string, value: string): string {
  if (!SENDABLE_HEADER_VALUE.test(value)) validateHeaderValue(name, value);
  return `${name}: ${value}\r\n`;
}

let dateSecond = -1;
let dateText = '';

/** The Date header node:http sends, computed once a second. */
function httpDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}
