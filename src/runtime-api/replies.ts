/** The Runtime API's answers, in the shapes RIE renders them (internal/lambda/rapi/rendering/). */
import type { ServerResponse } from 'node:http';
import { ErrorTypes, MAX_RESPONSE_BYTES } from '../errors/catalogue.js';

export interface ErrorBody {
  errorType: string;
  errorMessage: string;
}

const ACCEPTED = Buffer.from('{"status":"OK"}');
/** What Go's http.NotFound writes: chi's default for an unknown route. */
const NOT_FOUND = Buffer.from('404 page not found\n');

/** RIE's runtime states (internal/lambda/core/states.go), by the names its 403 messages use. */
export type RuntimeState = 'Started' | 'Ready' | 'Running' | 'InvocationResponse' | 'InvocationErrorResponse' | 'RuntimeResponseSentState' | 'InitError';

export function errorBody(errorType: string, errorMessage: string): ErrorBody {
  return { errorType, errorMessage };
}

export function invalidRequestId(): ErrorBody {
  return errorBody(ErrorTypes.invalidRequestId, 'Invalid request ID');
}

export function tooLarge(): ErrorBody {
  return errorBody(ErrorTypes.requestEntityTooLarge, `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`);
}

/** RIE's 403 for a call the runtime's state does not allow (rapi/handler/constants.go's message format). */
export function invalidStateTransition(from: RuntimeState, to: RuntimeState): ErrorBody {
  return errorBody(ErrorTypes.invalidStateTransition, `State transition from ${from} to ${to} failed for runtime. Error: State transition is not allowed`);
}

export function reply(res: ServerResponse, status: number, body: object): void {
  const json = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': json.length });
  res.end(json);
}

export function replyAccepted(res: ServerResponse): void {
  res.writeHead(202, { 'Content-Type': 'application/json', 'Content-Length': ACCEPTED.length });
  res.end(ACCEPTED);
}

export function replyNotFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': NOT_FOUND.length });
  res.end(NOT_FOUND);
}

/** chi's 405: the allowed method in Allow, no body. */
export function replyWrongMethod(res: ServerResponse, allowed: string): void {
  res.writeHead(405, { Allow: allowed, 'Content-Length': 0 });
  res.end();
}
