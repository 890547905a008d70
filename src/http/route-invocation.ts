/**
 * One routed request: event in the route's payload format, the invocation,
 * and the result turned into a response by that format's rules. Whatever
 * API Gateway would answer with a 502 is answered so here, with the reason
 * on stderr, where the developer looks.
 */
import type { InvocationResult } from '../supervisor/index.js';
import type { EventContext } from './event-context.js';
import { BuildError } from '../build/build-error.js';
import type { FunctionHost } from './function-host.js';
import type { StreamedBody } from './function-url-stream.js';
import { internalServerError, jsonMessage, type GatewayResponse } from './gateway-response.js';
import { httpApiEvent } from './http-api-event.js';
import { httpApiResponse } from './http-api-response.js';
import { headerValue, type IncomingRequest } from './incoming-request.js';
import { MAX_SYNC_REQUEST_BYTES } from './limits.js';
import { restEvent } from './rest-event.js';
import { restResponse } from './rest-response.js';
import type { RouteMatch } from './router.js';

export interface RouteAnswer {
  response: GatewayResponse;
  functionName?: string;
  result?: InvocationResult;
  /** A streamed answer: `response` is its head, and this writes the body as it comes. */
  streamed?: StreamedBody;
}

export async function invokeForRoute(
  request: IncomingRequest,
  match: RouteMatch | 'function-url',
  host: FunctionHost,
  context: EventContext,
  writeLog: (text: string) => void,
  /** What the route's authorizer passes on, as requestContext.authorizer. */
  authorizer?: Record<string, unknown>,
): Promise<RouteAnswer> {
  const v1 = match !== 'function-url' && match.route.payloadFormat === '1.0';
  const event = v1 ? restEvent(request, match, context) : httpApiEvent(request, match, context);
  if (authorizer !== undefined) Object.assign(event.requestContext, { authorizer });
  const functionName = host.name;
  const eventJson = JSON.stringify(event);
  if (Buffer.byteLength(eventJson) > MAX_SYNC_REQUEST_BYTES) {
    // A body under the limit can still make an event over it (base64 adds a third): Lambda refuses the
    // invoke. Unconfirmed: API Gateway's exact answer; 413, as for an oversized body.
    writeLog(`emu: ${functionName}: the event is larger than Lambda's ${MAX_SYNC_REQUEST_BYTES}-byte request limit (API Gateway answers 413)\n`);
    return { response: jsonMessage(413, 'Request Entity Too Large'), functionName };
  }
  let result: InvocationResult;
  try {
    result = await host.invokeJson(eventJson);
  } catch (error) {
    if (error instanceof BuildError) {
      // The function was never built: as if its deployment had no working code, the integration fails.
      writeLog(`emu: ${functionName}: no build to run (API Gateway answers 502): ${error.diagnostics[0] ?? error.message}\n`);
      return { response: withRequestId(internalServerError(), match, event.requestContext.requestId), functionName };
    }
    // emu itself failed to invoke: API Gateway's answer to a rejected invoke is a 500.
    writeLog(`emu: ${functionName}: the invocation failed inside emu: ${error instanceof Error ? error.message : String(error)}\n`);
    return { response: jsonMessage(500, 'Internal server error'), functionName };
  }
  if (result.error !== undefined) {
    writeLog(`emu: ${functionName}: the function failed (API Gateway answers 502): ${result.error.errorType}: ${result.error.errorMessage.split('\n')[0]}\n`);
    return { response: withRequestId(internalServerError(), match, event.requestContext.requestId), functionName, result };
  }
  const mapped = v1 ? restResponse(result.payload, match.route, headerValue(request, 'accept')) : httpApiResponse(result.payload, result.payloadJson);
  if ('malformed' in mapped) {
    writeLog(`emu: ${functionName}: malformed Lambda proxy response (API Gateway answers 502): ${mapped.malformed}\n`);
    return { response: withRequestId(internalServerError(), match, event.requestContext.requestId), functionName, result };
  }
  return { response: withRequestId(mapped, match, event.requestContext.requestId), functionName, result };
}

/** The id headers API Gateway and Function URLs add to every answer. */
function withRequestId(response: GatewayResponse, match: RouteMatch | 'function-url', requestId: string): GatewayResponse {
  const name = match !== 'function-url' && match.route.api === 'http' ? 'apigw-requestid' : 'x-amzn-RequestId';
  return { ...response, headers: [...response.headers, [name, requestId]] };
}
