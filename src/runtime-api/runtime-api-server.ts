/**
 * The Lambda Runtime API (2018-06-01) for one sandbox, on 127.0.0.1 with an
 * ephemeral port. It hands out one invocation at a time to whichever runtime
 * long-polls /next and reports what the runtime posts back. It knows nothing
 * of processes: the sandbox listens to its hooks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorTypes, MAX_RESPONSE_BYTES } from '../errors/catalogue.js';

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
  onError(requestId: string, body: Buffer): void;
  onInitError(body: Buffer): void;
  onResponseTooLarge(requestId: string, sizeBytes: number): void;
  /** A request handler or hook threw (an emu bug): the request got a 500 instead of taking the supervisor down. Default: a process warning. */
  onServerError?(error: unknown): void;
}

const PREFIX = '/2018-06-01/runtime/';
const ACCEPTED = Buffer.from('{"status":"OK"}');
/** /invocation/{request id}/response and /error: the request id is one path segment. */
const RESULT_ROUTE = /^invocation\/([^/]+)\/(response|error)$/;

export class RuntimeApiServer {
  readonly #server: Server;
  readonly #hooks: RuntimeApiHooks;
  #waitingNext: ServerResponse | null = null;
  #queued: PendingInvocation | null = null;
  /** The request id handed out and not yet answered. */
  #currentRequestId: string | null = null;

  constructor(hooks: RuntimeApiHooks) {
    this.#hooks = hooks;
    this.#server = createServer((req, res) => {
      try {
        this.#route(req, res);
      } catch (error) {
        this.#failed(res, error);
      }
    });
    // /next is a long poll and warm sandboxes idle for minutes: no server timeouts.
    this.#server.keepAliveTimeout = 0;
    this.#server.requestTimeout = 0;
    this.#server.headersTimeout = 0;
    this.#server.timeout = 0;
  }

  /** Resolves to the address for AWS_LAMBDA_RUNTIME_API. */
  listen(host = '127.0.0.1'): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, host, () => {
        this.#server.off('error', reject);
        // A later server error (an accept failing, say EMFILE) must not take the supervisor down.
        this.#server.on('error', (error) => this.#reportServerError(error));
        const { port } = this.#server.address() as AddressInfo;
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
    this.#currentRequestId = null;
    this.#queued = null;
  }

  close(): void {
    this.#waitingNext = null;
    this.#server.closeAllConnections();
    this.#server.close();
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    const url = originForm(req.url ?? '');
    if (!url.startsWith(PREFIX)) return this.#drainThen(req, res, () => reply(res, 404, notFound()));
    // Routing ignores the query string, as RIE's router does (it matches the path only).
    const queryAt = url.indexOf('?');
    const route = queryAt < 0 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, queryAt);
    if (route === 'invocation/next') return req.method === 'GET' ? this.#onNext(res) : this.#wrongMethod(req, res, 'GET');
    if (route === 'init/error') return req.method === 'POST' ? this.#onInitError(req, res) : this.#wrongMethod(req, res, 'POST');
    const match = RESULT_ROUTE.exec(route);
    if (match === null) return this.#drainThen(req, res, () => reply(res, 404, notFound()));
    if (req.method !== 'POST') return this.#wrongMethod(req, res, 'POST');
    const requestId = decodeRequestId(match[1] as string);
    // An id whose escapes do not decode cannot be the one handed out.
    if (requestId === null) return this.#drainThen(req, res, () => reply(res, 400, invalidRequestId()));
    this.#onResult(req, res, requestId, match[2] as 'response' | 'error');
  }

  #wrongMethod(req: IncomingMessage, res: ServerResponse, allowed: string): void {
    this.#drainThen(req, res, () => {
      res.writeHead(405, { Allow: allowed, 'Content-Length': 0 });
      res.end();
    });
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

  #onNext(res: ServerResponse): void {
    if (this.#waitingNext !== null || this.#currentRequestId !== null) {
      // A runtime must answer before asking again; RAPID refuses the same way.
      return reply(res, 403, errorBody(ErrorTypes.invalidStateTransition, 'Invalid state transition: /next while an invocation is in flight'));
    }
    this.#waitingNext = res;
    res.once('close', () => {
      if (this.#waitingNext === res) this.#waitingNext = null;
    });
    this.#hooks.onNext();
    if (this.#queued !== null) this.#sendNext();
  }

  #sendNext(): void {
    const res = this.#waitingNext as ServerResponse;
    const invocation = this.#queued as PendingInvocation;
    this.#waitingNext = null;
    this.#queued = null;
    this.#currentRequestId = invocation.requestId;
    const deadlineEpochMs = invocation.deadlineEpochMs ?? Date.now() + invocation.timeoutMs;
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
    this.#hooks.onDelivered(invocation.requestId, deadlineEpochMs);
  }

  #onResult(req: IncomingMessage, res: ServerResponse, requestId: string, kind: 'response' | 'error'): void {
    if (requestId !== this.#currentRequestId) {
      return this.#drainThen(req, res, () => reply(res, 400, invalidRequestId()));
    }
    const mode = req.headers['lambda-runtime-function-response-mode'];
    if (kind === 'response' && mode !== undefined && mode !== 'buffered') {
      // Streaming responses are not supported yet: fail loudly rather than mangle the stream.
      this.#currentRequestId = null;
      this.#hooks.onError(requestId, Buffer.from(JSON.stringify(errorBody(ErrorTypes.invalidResponseModeHeader, `Response mode '${String(mode)}' is not supported by emu`))));
      return this.#drainThen(req, res, () => reply(res, 400, errorBody('InvalidFunctionResponseMode', 'Unsupported response mode')));
    }
    // Answered from now on: the runtime may pipeline its next /next behind this body. A body cut
    // short never reaches 'end': no hook fires and the invocation ends by its timeout, as on RIE.
    this.#currentRequestId = null;
    this.#readBody(req, res, MAX_RESPONSE_BYTES, (body, sizeBytes) => {
      if (body !== null) {
        replyAccepted(res);
        if (kind === 'response') this.#hooks.onResponse(requestId, body);
        else this.#hooks.onError(requestId, body);
      } else if (kind === 'response') {
        this.#hooks.onResponseTooLarge(requestId, sizeBytes);
        reply(res, 413, tooLarge());
      } else {
        // RIE refuses an oversized error without reporting it: the invocation ends by its timeout.
        reply(res, 413, tooLarge());
      }
    });
  }

  #onInitError(req: IncomingMessage, res: ServerResponse): void {
    this.#readBody(req, res, MAX_RESPONSE_BYTES, (body, sizeBytes) => {
      replyAccepted(res);
      this.#hooks.onInitError(body ?? Buffer.from(JSON.stringify(errorBody(ErrorTypes.unknown, `init error body too large (${sizeBytes} bytes, limit ${MAX_RESPONSE_BYTES})`))));
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

function invalidRequestId(): { errorType: string; errorMessage: string } {
  return errorBody(ErrorTypes.invalidRequestId, 'Invalid request ID');
}

function tooLarge(): { errorType: string; errorMessage: string } {
  return errorBody(ErrorTypes.requestEntityTooLarge, `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`);
}

function errorBody(errorType: string, errorMessage: string): { errorType: string; errorMessage: string } {
  return { errorType, errorMessage };
}

function notFound(): { errorType: string; errorMessage: string } {
  return errorBody('NotFound', 'Not found');
}

function reply(res: ServerResponse, status: number, body: object): void {
  const json = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': json.length });
  res.end(json);
}

function replyAccepted(res: ServerResponse): void {
  res.writeHead(202, { 'Content-Type': 'application/json', 'Content-Length': ACCEPTED.length });
  res.end(ACCEPTED);
}
