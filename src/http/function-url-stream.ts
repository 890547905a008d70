/**
 * A Function URL with InvokeMode RESPONSE_STREAM: the function's status, headers and cookies come
 * from the application/vnd.awslambda.http-integration-response prelude (JSON, then 8 NUL bytes)
 * that HttpResponseStream.from writes, and the body goes to the client as it is written, chunked,
 * at the pace the client reads it. Nothing here holds the body.
 */
import type { ServerResponse } from 'node:http';
import type { InvocationResult, ResponseStream } from '../supervisor/index.js';
import type { EventContext } from './event-context.js';
import type { FunctionHost } from './function-host.js';
import { headerText, internalServerError, isRecord, isStatusCode, jsonMessage, type GatewayResponse } from './gateway-response.js';
import { httpApiEvent } from './http-api-event.js';
import { httpApiResponse } from './http-api-response.js';
import type { IncomingRequest } from './incoming-request.js';
import { pacedWriter } from './paced-writer.js';
import type { RouteAnswer } from './route-invocation.js';

const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER = Buffer.alloc(8);
/** A prelude this long with no delimiter is not one (emu's bound; AWS's is unconfirmed). */
const MAX_PRELUDE_BYTES = 1024 * 1024;

/** The rest of a streamed answer, written after serve has logged its status line. */
export interface StreamedBody {
  pipeTo(res: ServerResponse, head: GatewayResponse): Promise<void>;
}

export async function invokeStreamedFunctionUrl(request: IncomingRequest, host: FunctionHost, context: EventContext, writeLog: (text: string) => void): Promise<RouteAnswer> {
  const event = httpApiEvent(request, 'function-url', context);
  const requestId = event.requestContext.requestId;
  const functionName = host.name;
  const fail = (reason: string): RouteAnswer => {
    writeLog(`emu: ${functionName}: ${reason} (the Function URL answers 502)\n`);
    return { response: withRequestId(internalServerError(), requestId), functionName };
  };
  let onStream!: (stream: ResponseStream) => void;
  const started = new Promise<ResponseStream>((resolve) => (onStream = resolve));
  const invocation = host.invokeJson(JSON.stringify(event), { onResponseStream: (stream) => onStream(stream) });
  let first: ResponseStream | InvocationResult;
  try {
    first = await Promise.race([started, invocation]);
  } catch (error) {
    writeLog(`emu: ${functionName}: the invocation failed inside emu: ${error instanceof Error ? error.message : String(error)}\n`);
    return { response: jsonMessage(500, 'Internal server error'), functionName };
  }
  if (!('ended' in first)) return bufferedAnswer(first, requestId, functionName, fail);
  const iterator = first[Symbol.asyncIterator]();
  const head = await readHead(first, iterator);
  if ('error' in head) {
    void iterator.return?.();
    const result = await invocation.catch(() => undefined);
    return { ...fail(head.error), ...(result === undefined ? {} : { result }) };
  }
  const body: StreamedBody = { pipeTo: (res, answerHead) => pipeBody(res, answerHead, head.rest, iterator, first, (text) => writeLog(`emu: ${functionName}: ${text}\n`)) };
  return { response: withRequestId(head.response, requestId), functionName, streamed: body };
}

/** A function that answered without streaming (a buffered handler, or one that failed first). */
function bufferedAnswer(result: InvocationResult, requestId: string, functionName: string, fail: (reason: string) => RouteAnswer): RouteAnswer {
  if (result.error !== undefined) return { ...fail(`the function failed: ${result.error.errorType}: ${result.error.errorMessage.split('\n')[0]}`), result };
  const mapped = httpApiResponse(result.payload, result.payloadJson);
  if ('malformed' in mapped) return { ...fail(`malformed Lambda proxy response: ${mapped.malformed}`), result };
  return { response: withRequestId(mapped, requestId), functionName, result };
}

type Head = { response: GatewayResponse; rest: Buffer } | { error: string };

/** The status and headers: from the prelude when the function wrote one, else 200 and the stream's content type. */
async function readHead(stream: ResponseStream, iterator: AsyncIterator<Buffer>): Promise<Head> {
  const chunks: Buffer[] = [];
  let sizeBytes = 0;
  const wantsPrelude = stream.contentType === PRELUDE_CONTENT_TYPE;
  for (;;) {
    const { value, done } = await iterator.next();
    if (done === true) break;
    chunks.push(value);
    sizeBytes += value.length;
    if (!wantsPrelude) return { response: plainHead(stream.contentType), rest: Buffer.concat(chunks) };
    const seen = Buffer.concat(chunks);
    const at = seen.indexOf(DELIMITER);
    if (at >= 0) return preludeHead(seen.subarray(0, at), seen.subarray(at + DELIMITER.length));
    if (sizeBytes > MAX_PRELUDE_BYTES) return { error: `no prelude delimiter in the first ${MAX_PRELUDE_BYTES} bytes` };
    chunks.length = 0;
    chunks.push(seen);
  }
  const ending = await stream.ended;
  if (ending.status === 'error') return { error: `the function failed before its first byte: ${ending.errorType}` };
  if (wantsPrelude && sizeBytes > 0) return { error: 'the stream ended inside its prelude' };
  return { response: wantsPrelude ? plainHead('application/octet-stream') : plainHead(stream.contentType), rest: Buffer.alloc(0) };
}

function plainHead(contentType: string): GatewayResponse {
  return { statusCode: 200, headers: [['content-type', contentType]], body: Buffer.alloc(0) };
}

function preludeHead(json: Buffer, rest: Buffer): Head {
  let prelude: unknown;
  try {
    prelude = JSON.parse(json.toString('utf8'));
  } catch {
    return { error: 'the prelude is not JSON' };
  }
  if (!isRecord(prelude)) return { error: 'the prelude is not a JSON object' };
  const statusCode = prelude.statusCode ?? 200;
  if (!isStatusCode(statusCode)) return { error: `the prelude's statusCode ${JSON.stringify(statusCode)} is not an HTTP status` };
  const headers: Array<[string, string]> = [];
  if (isRecord(prelude.headers)) {
    for (const [name, value] of Object.entries(prelude.headers)) {
      const text = headerText(value);
      if (text !== undefined) headers.push([name.toLowerCase(), text]);
    }
  }
  if (!headers.some(([name]) => name === 'content-type')) headers.push(['content-type', 'application/octet-stream']);
  if (Array.isArray(prelude.cookies)) for (const cookie of prelude.cookies) if (typeof cookie === 'string') headers.push(['set-cookie', cookie]);
  return { response: { statusCode, headers, body: Buffer.alloc(0) }, rest };
}

async function pipeBody(res: ServerResponse, head: GatewayResponse, rest: Buffer, iterator: AsyncIterator<Buffer>, stream: ResponseStream, log: (text: string) => void): Promise<void> {
  const flat: string[] = [];
  for (const [name, value] of head.headers) flat.push(name, value);
  res.writeHead(head.statusCode, flat);
  const out = pacedWriter(res);
  if (rest.length > 0) await out.write(rest); // the head leaves with the first bytes, in one write
  else res.flushHeaders(); // no byte yet: the client has the head before the first one is written
  while (!out.gone()) {
    const { value, done } = await iterator.next();
    if (done === true) break;
    await out.write(value);
  }
  if (out.gone()) {
    await iterator.return?.(); // the client left: the rest is drained so the function can finish
    return;
  }
  const ending = await stream.ended;
  if (ending.status === 'complete') return void res.end();
  // Cut without the last chunk, so the client sees the body did not end (how AWS cuts it is unconfirmed).
  log(`the function failed mid-stream: ${ending.errorType} (the Function URL's response is cut)`);
  res.destroy();
}

function withRequestId(response: GatewayResponse, requestId: string): GatewayResponse {
  return { ...response, headers: [...response.headers, ['x-amzn-RequestId', requestId]] };
}
