/**
 * The Lambda Runtime API (2018-06-01) for one sandbox, on 127.0.0.1 with an
 * ephemeral port. It hands out one invocation at a time to whichever runtime
 * long-polls /next and reports what the runtime posts back. It knows nothing
 * of processes: the sandbox listens to its hooks. What a runtime may call when
 * follows RIE's state machine; docs/runtime-api-state-machine.md has each case.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { ErrorTypes, MAX_RESPONSE_BYTES } from '../errors/catalogue.js';
import { LeanConnection, type LeanRequest, type LeanRequestHandler } from './lean-connection.js';
import { ERROR_WITH_CAUSE_CONTENT_TYPE, errorWithCauseBody, postedErrorType } from './posted-error.js';
import {
  errorBody,
  invalidRequestId,
  invalidStateTransition,
  reply,
  replyAccepted,
  replyNotFound,
  replyWrongMethod,
  tooLarge,
  type ErrorBody,
  type RuntimeState,
} from './replies.js';
import { ResponseStream } from './response-stream.js';

export interface PendingInvocation {
  requestId: string;
  /** The event, already JSON text. */
  eventJson: string;
  timeoutMs: number;
  /** Set when the deadline was fixed before delivery (an init re-run inside the invocation); else now + timeoutMs. */
  deadlineEpochMs?: number;
  invokedFunctionArn: string;
  traceId: string;
  clientContextJson?: string;
  cognitoIdentityJson?: string;
  tenantId?: string;
}

export interface RuntimeApiHooks {
  /** The runtime is waiting on /next (the first call ends Init). */
  onNext(): void;
  /** An invocation went out; its deadline is fixed now, as AWS does. */
  onDelivered(requestId: string, deadlineEpochMs: number): void;
  onResponse(requestId: string, body: Buffer): void;
  /** body: what the invoker gets; errorType: the platform's, from Lambda-Runtime-Function-Error-Type (validated as RIE does). */
  onError(requestId: string, body: Buffer, errorType: string): void;
  onInitError(body: Buffer, errorType: string): void;
  onResponseTooLarge(requestId: string, sizeBytes: number): void;
  /** A streamed response started: its chunks are read from the runtime as the reader takes them. */
  onResponseStream(requestId: string, stream: ResponseStream): void;
  /** A request handler or hook threw (an emu bug): the request got a 500 instead of taking the supervisor down. Default: a process warning. */
  onServerError?(error: unknown): void;
}

/** Where the answer to a waiting /next goes: a lean connection, or a node:http response. */
interface NextAnswer {
  sendEvent(invocation: PendingInvocation, deadlineEpochMs: number): void;
}

interface Refusal {
  status: number;
  body: ErrorBody;
}

const PREFIX = '/2018-06-01/runtime/';
/** /invocation/{request id}/response and /error: the request id is one path segment. */
const RESULT_ROUTE = /^invocation\/([^/]+)\/(response|error)$/;
/** How long a /next waits for a streamed response's connection to end before RIE's 403 (see #afterOpenStream). */
const OPEN_STREAM_GRACE_MS = 100;

export class RuntimeApiServer implements LeanRequestHandler {
  /** Accepts every connection; the hot path is served by LeanConnection, the rest by #server. */
  readonly #listener: NetServer;
  /**
   * Never listens itself: it takes the connections LeanConnection hands over. Made at the first
   * one: emu's own runtimes never need it, and node:http is ~2 ms of every one-shot `emu run`.
   */
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #hooks: RuntimeApiHooks;
  #state: RuntimeState = 'Started';
  #waitingNext: NextAnswer | null = null;
  #queued: PendingInvocation | null = null;
  /** The invocation handed out last: its id is the one posts must name until the next /next (RIE's current invoke id). */
  #current: PendingInvocation | null = null;
  #currentDeadlineEpochMs = 0;
  /** Settles when the streamed response's request has ended or its connection closed. */
  #openStream: Promise<void> | null = null;

  constructor(hooks: RuntimeApiHooks) {
    this.#hooks = hooks;
    // node:http's own defaults for the sockets it accepted itself.
    this.#listener = createNetServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      new LeanConnection(socket, this);
    });
  }

  /** Resolves to the address for AWS_LAMBDA_RUNTIME_API. */
  listen(host = '127.0.0.1'): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#listener.once('error', reject);
      this.#listener.listen(0, host, () => {
        this.#listener.off('error', reject);
        // A later server error (an accept failing, say EMFILE) must not take the supervisor down.
        this.#listener.on('error', (error) => this.#reportServerError(error));
        const { port } = this.#listener.address() as AddressInfo;
        resolve(`${host}:${port}`);
      });
    });
  }

  /** Queues an invocation; it goes out as soon as the runtime is on /next. */
  deliver(invocation: PendingInvocation): void {
    this.#queued = invocation;
    if (this.#waitingNext !== null) this.#sendNext();
  }

  /** Forgets the invocation in flight (timed out or abandoned): later posts for it get 400. */
  abandon(): void {
    this.#current = null;
    this.#queued = null;
    if (this.#state === 'Running') this.#state = 'Ready';
  }

  close(): void {
    this.#waitingNext = null;
    for (const socket of this.#sockets) socket.destroy();
    this.#listener.close();
  }

  /** @internal LeanRequestHandler: the hot path's requests, under the same rules as #route's. */
  onLeanRequest(connection: LeanConnection, request: LeanRequest): void {
    if (request.kind === 'next') {
      return this.#afterOpenStream(() => {
        if (this.#takeNext(connection, (refusal) => connection.reply(refusal.status, refusal.body))) this.#nextWaiting();
      });
    }
    const refusal = this.#refuseResult(request.requestId, 'response');
    if (refusal !== null) return connection.reply(refusal.status, refusal.body);
    this.#state = 'RuntimeResponseSentState';
    connection.accepted();
    this.#hooks.onResponse(request.requestId, request.body);
  }

  /** @internal */
  onLeanClose(connection: LeanConnection): void {
    if (this.#waitingNext === connection) this.#waitingNext = null;
  }

  /** @internal node:http takes the connection; the bytes already read reach its parser first. */
  handOver(socket: Socket, unread: Buffer): void {
    this.#httpServer().emit('connection', socket);
    if (unread.length > 0) socket.emit('data', unread);
  }

  #httpServer(): Server {
    if (this.#server !== undefined) return this.#server;
    const server = createServer((req, res) => {
      try {
        this.#route(req, res);
      } catch (error) {
        this.#failed(res, error);
      }
    });
    // /next is a long poll and warm sandboxes idle for minutes: no server timeouts.
    server.keepAliveTimeout = 0;
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    server.timeout = 0;
    // A later server error must not take the supervisor down.
    server.on('error', (error) => this.#reportServerError(error));
    this.#server = server;
    return server;
  }

  /** @internal */
  onLeanError(error: unknown): void {
    this.#reportServerError(error);
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    const url = originForm(req.url ?? '');
    if (!url.startsWith(PREFIX)) return this.#drainThen(req, res, () => replyNotFound(res));
    // Routing ignores the query string, as RIE's router does (it matches the path only).
    const queryAt = url.indexOf('?');
    const route = queryAt < 0 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, queryAt);
    if (route === 'invocation/next') return req.method === 'GET' ? this.#onNext(req, res) : this.#wrongMethod(req, res, 'GET');
    if (route === 'init/error') return req.method === 'POST' ? this.#onInitError(req, res) : this.#wrongMethod(req, res, 'POST');
    const match = RESULT_ROUTE.exec(route);
    if (match === null) return this.#drainThen(req, res, () => replyNotFound(res));
    if (req.method !== 'POST') return this.#wrongMethod(req, res, 'POST');
    const requestId = decodeRequestId(match[1] as string);
    // An id whose escapes do not decode cannot be the one handed out.
    if (requestId === null) return this.#drainThen(req, res, () => reply(res, 400, invalidRequestId()));
    this.#onResult(req, res, requestId, match[2] as 'response' | 'error');
  }

  #wrongMethod(req: IncomingMessage, res: ServerResponse, allowed: string): void {
    this.#drainThen(req, res, () => replyWrongMethod(res, allowed));
  }

  /** A throw inside a handler is emu's bug: that request gets RIE's 500, the supervisor and the invocation go on. */
  #failed(res: ServerResponse, error: unknown): void {
    this.#reportServerError(error);
    if (res.headersSent) res.destroy();
    else reply(res, 500, errorBody('InternalServerError', 'Internal Server Error'));
  }

  #reportServerError(error: unknown): void {
    if (this.#hooks.onServerError !== undefined) this.#hooks.onServerError(error);
    else process.emitWarning(`Runtime API server error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }

  #onNext(req: IncomingMessage, res: ServerResponse): void {
    // A body left unread pauses the socket, and a paused socket never sees its client go: a
    // waiting /next sent one would hold the one slot forever. Runtime clients send none.
    if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) req.resume();
    const answer: NextAnswer = { sendEvent: (invocation, deadlineEpochMs) => this.#writeEvent(res, invocation, deadlineEpochMs) };
    this.#afterOpenStream(() => {
      if (res.destroyed || !this.#takeNext(answer, (refusal) => reply(res, refusal.status, refusal.body))) return;
      res.once('close', () => {
        if (this.#waitingNext === answer) this.#waitingNext = null;
      });
      this.#nextWaiting();
    });
  }

  /**
   * A runtime whose stream failed (destroyed, its POST cut) asks for the next event at once, on
   * its other connection, and that /next can be read in the same turn of the event loop as the
   * stream's end, before its close is seen (the close phase comes after): refused there, the
   * runtime would exit. So a /next during a streamed response waits for the stream's connection
   * (in practice that same turn); one still streaming after the grace gets RIE's 403.
   */
  #afterOpenStream(then: () => void): void {
    const open = this.#openStream;
    if (open === null || this.#state !== 'InvocationResponse') return then();
    let done = false;
    const judge = (): void => {
      if (done) return;
      done = true;
      clearTimeout(grace);
      then();
    };
    const grace = setTimeout(judge, OPEN_STREAM_GRACE_MS);
    grace.unref();
    void open.then(judge);
  }

  /** RIE's rules for /next; true when the answer now waits for an invocation. */
  #takeNext(answer: NextAnswer, refuse: (refusal: Refusal) => void): boolean {
    // RIE's Running state allows Ready: the runtime asked again before answering, and gets the same event again.
    if (this.#state === 'Running') {
      answer.sendEvent(this.#current as PendingInvocation, this.#currentDeadlineEpochMs);
      return false;
    }
    if (this.#state === 'InitError' || this.#state === 'InvocationResponse') {
      refuse({ status: 403, body: invalidStateTransition(this.#state, 'Ready') });
      return false;
    }
    if (this.#waitingNext !== null) {
      // Two long polls at once: emu keeps one runtime connection waiting, not a queue of them.
      refuse({ status: 403, body: errorBody(ErrorTypes.invalidStateTransition, 'Invalid state transition: /next while another /next is waiting') });
      return false;
    }
    this.#state = 'Ready';
    this.#current = null;
    this.#waitingNext = answer;
    return true;
  }

  #nextWaiting(): void {
    this.#hooks.onNext();
    if (this.#queued !== null) this.#sendNext();
  }

  #sendNext(): void {
    const answer = this.#waitingNext as NextAnswer;
    const invocation = this.#queued as PendingInvocation;
    this.#waitingNext = null;
    this.#queued = null;
    this.#state = 'Running';
    this.#current = invocation;
    this.#currentDeadlineEpochMs = invocation.deadlineEpochMs ?? Date.now() + invocation.timeoutMs;
    answer.sendEvent(invocation, this.#currentDeadlineEpochMs);
    this.#hooks.onDelivered(invocation.requestId, this.#currentDeadlineEpochMs);
  }

  #writeEvent(res: ServerResponse, invocation: PendingInvocation, deadlineEpochMs: number): void {
    const body = Buffer.from(invocation.eventJson, 'utf8');
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Content-Length': body.length,
      'Lambda-Runtime-Aws-Request-Id': invocation.requestId,
      'Lambda-Runtime-Deadline-Ms': deadlineEpochMs,
      'Lambda-Runtime-Invoked-Function-Arn': invocation.invokedFunctionArn,
      'Lambda-Runtime-Trace-Id': invocation.traceId,
    };
    // Optional headers are omitted when empty, as AWS and RIE do.
    if (invocation.clientContextJson) headers['Lambda-Runtime-Client-Context'] = invocation.clientContextJson;
    if (invocation.cognitoIdentityJson) headers['Lambda-Runtime-Cognito-Identity'] = invocation.cognitoIdentityJson;
    if (invocation.tenantId) headers['Lambda-Runtime-Aws-Tenant-Id'] = invocation.tenantId;
    res.writeHead(200, headers);
    res.end(body);
  }

  #onResult(req: IncomingMessage, res: ServerResponse, requestId: string, kind: 'response' | 'error'): void {
    const refusal = this.#refuseResult(requestId, kind);
    if (refusal !== null) return this.#drainThen(req, res, () => reply(res, refusal.status, refusal.body));
    // Go's Header.Get: the first of repeated headers, and an empty one is no mode at all.
    const mode = kind === 'response' && req.headers['lambda-runtime-function-response-mode'] !== undefined ? req.headersDistinct['lambda-runtime-function-response-mode']?.[0] : undefined;
    if (mode !== undefined && mode !== '') return this.#onResponseMode(req, res, requestId, mode);
    // Answered from now on: the runtime may pipeline its next /next behind this body. A body cut
    // short never reaches 'end': no hook fires and the invocation ends by its timeout, as on RIE.
    this.#state = 'RuntimeResponseSentState';
    this.#readBody(req, res, MAX_RESPONSE_BYTES, (body, sizeBytes) => {
      if (body !== null) {
        replyAccepted(res);
        if (kind === 'response') this.#hooks.onResponse(requestId, body);
        else this.#reportError(req, requestId, body);
      } else if (kind === 'response') {
        this.#hooks.onResponseTooLarge(requestId, sizeBytes);
        reply(res, 413, tooLarge());
      } else {
        // RIE refuses an oversized error without reporting it: the invocation ends by its timeout.
        reply(res, 413, tooLarge());
      }
    });
  }

  /** RIE checks the id first (400), then the state (403): a second answer for the same id is a state error. */
  #refuseResult(requestId: string, kind: 'response' | 'error'): Refusal | null {
    if (this.#current === null || requestId !== this.#current.requestId) return { status: 400, body: invalidRequestId() };
    if (this.#state !== 'Running') return { status: 403, body: invalidStateTransition(this.#state, kind === 'response' ? 'InvocationResponse' : 'InvocationErrorResponse') };
    return null;
  }

  #reportError(req: IncomingMessage, requestId: string, body: Buffer): void {
    const invokerBody = req.headers['content-type'] === ERROR_WITH_CAUSE_CONTENT_TYPE ? errorWithCauseBody(body) : body;
    this.#hooks.onError(requestId, invokerBody, postedErrorType(req));
  }

  /**
   * A Lambda-Runtime-Function-Response-Mode header. Streaming is passed on as it arrives
   * (rapi/handler/invocationresponse.go:48-49). Any other mode gets RIE's answer
   * (rapi/handler/invocationresponse.go:50-63): 400, the invocation fails with
   * Runtime.InvalidResponseModeHeader and an empty payload, and the runtime is left in
   * InvocationResponse, where RIE refuses its next /next.
   */
  #onResponseMode(req: IncomingMessage, res: ServerResponse, requestId: string, mode: string): void {
    if (mode === 'streaming') return this.#onStreamedResponse(req, res, requestId);
    this.#state = 'InvocationResponse';
    this.#hooks.onError(requestId, Buffer.alloc(0), ErrorTypes.invalidResponseModeHeader);
    this.#drainThen(req, res, () => reply(res, 400, errorBody('InvalidFunctionResponseMode', 'Invalid function response mode')));
  }

  /**
   * The runtime is in InvocationResponse while its body streams (a /next meanwhile gets 403); once
   * the body has ended, or was cut, its response has been sent and it may ask for the next event.
   */
  #onStreamedResponse(req: IncomingMessage, res: ServerResponse, requestId: string): void {
    this.#state = 'InvocationResponse';
    const stream = new ResponseStream(req);
    const open = new Promise<void>((resolve) => {
      req.once('end', resolve);
      req.once('close', resolve);
    });
    this.#openStream = open;
    void open.then(() => {
      if (this.#openStream === open) this.#openStream = null;
    });
    const sent = (): void => {
      if (this.#state === 'InvocationResponse' && this.#current?.requestId === requestId) this.#state = 'RuntimeResponseSentState';
    };
    void stream.ended.then(sent);
    req.once('close', sent); // cut short (the runtime destroyed its stream): it may go on to /next
    // Past the size limit the stream has ended before the body: the runtime's answer waits for it.
    req.once('end', () => {
      sent();
      if (!res.headersSent && !res.destroyed) replyAccepted(res);
    });
    this.#hooks.onResponseStream(requestId, stream);
  }

  /** RIE allows InitError only from Started: after the first /next, or a second time, it is refused. */
  #onInitError(req: IncomingMessage, res: ServerResponse): void {
    this.#readBody(req, res, MAX_RESPONSE_BYTES, (body, sizeBytes) => {
      if (this.#state !== 'Started') return reply(res, 403, invalidStateTransition(this.#state, 'InitError'));
      this.#state = 'InitError';
      replyAccepted(res);
      const errorType = postedErrorType(req);
      this.#hooks.onInitError(body ?? Buffer.from(JSON.stringify(errorBody(ErrorTypes.unknown, `init error body too large (${sizeBytes} bytes, limit ${MAX_RESPONSE_BYTES})`))), errorType);
    });
  }

  /** Collects a body up to limitBytes; past the limit it keeps draining (so the connection stays usable) and yields null. */
  #readBody(req: IncomingMessage, res: ServerResponse, limitBytes: number, done: (body: Buffer | null, sizeBytes: number) => void): void {
    const chunks: Buffer[] = [];
    let sizeBytes = 0;
    req.on('data', (chunk: Buffer) => {
      sizeBytes += chunk.length;
      if (sizeBytes <= limitBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.once('end', () => {
      try {
        done(sizeBytes > limitBytes ? null : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), sizeBytes);
      } catch (error) {
        this.#failed(res, error);
      }
    });
  }

  /** Reads the body to its end (so the connection stays usable), then answers. */
  #drainThen(req: IncomingMessage, res: ServerResponse, then: () => void): void {
    req.resume();
    req.once('end', () => {
      try {
        then();
      } catch (error) {
        this.#failed(res, error);
      }
    });
  }
}

/** The path and query of a target; an absolute-form one (`http://host/path`) is routed by its path, as Go's server does for RIE. */
function originForm(target: string): string {
  if (target.startsWith('/')) return target;
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  return authority === null ? target : target.slice(authority[0].length);
}

/** The request id from its path segment, or null when its percent-escapes do not decode. */
function decodeRequestId(segment: string): string | null {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
