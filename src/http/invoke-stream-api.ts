/**
 * Lambda's InvokeWithResponseStream: `POST /2021-11-15/functions/{FunctionName}/response-streaming-invocations`,
 * answered 200 with an application/vnd.amazon.eventstream body: a PayloadChunk event per chunk the
 * function streams, as it streams it, then InvokeComplete (ErrorCode, ErrorDetails, LogResult).
 * A function that does not stream gets its whole payload as one PayloadChunk.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { InvocationResult, ResponseStream } from '../supervisor/index.js';
import { eventMessage, eventMessageParts } from './event-stream.js';
import type { FunctionHost } from './function-host.js';
import type { StreamedBody } from './function-url-stream.js';
import type { GatewayResponse } from './gateway-response.js';
import { headerValue, type IncomingRequest } from './incoming-request.js';
import { logTail, serviceError, type InvokeApiContext } from './invoke-api.js';
import { resolveInvokeTarget } from './invoke-target.js';
import { MAX_SYNC_REQUEST_BYTES } from './limits.js';
import { pacedWriter } from './paced-writer.js';

export const STREAM_INVOKE_PATH = /^\/2021-11-15\/functions\/([^/]+)\/response-streaming-invocations\/?$/;

export interface StreamInvokeAnswer {
  response: GatewayResponse;
  functionName: string;
  streamed?: StreamedBody;
}

export function handleStreamInvoke(request: IncomingRequest, context: InvokeApiContext): StreamInvokeAnswer {
  const resolved = resolveInvokeTarget(STREAM_INVOKE_PATH.exec(request.rawPath)?.[1] ?? '', request.rawQuery, context);
  const fail = (status: number, type: string, message: string): StreamInvokeAnswer => ({ response: serviceError(status, type, message), functionName: resolved.name });
  if (request.method !== 'POST') return fail(405, 'UnsupportedOperationException', `${request.method} is not supported on this path; use POST`);
  // The same name forms, ?Qualifier= and refusals as Invoke (invoke-target.ts).
  if (resolved.kind === 'refused') return fail(resolved.statusCode, resolved.errorType, resolved.message);
  const { host } = resolved;
  const logType = headerValue(request, 'x-amz-log-type') ?? 'None';
  if (!['None', 'Tail'].includes(logType)) return fail(400, 'InvalidParameterValueException', `Unsupported log type: ${logType}`);
  if (request.body.length > MAX_SYNC_REQUEST_BYTES) {
    return fail(413, 'RequestTooLargeException', `Request must be smaller than ${MAX_SYNC_REQUEST_BYTES} bytes for the InvokeWithResponseStream operation`);
  }
  const eventJson = request.body.length === 0 ? '{}' : request.body.toString('utf8');
  try {
    JSON.parse(eventJson);
  } catch {
    return fail(400, 'InvalidRequestContentException', 'Could not parse request body into json: the payload is not valid JSON');
  }
  const requestId = randomUUID();
  let onStream!: (stream: ResponseStream) => void;
  const started = new Promise<ResponseStream>((resolve) => (onStream = resolve));
  const invocation = host.invokeJson(eventJson, { requestId, captureLogs: logType === 'Tail', onResponseStream: (stream) => onStream(stream) });
  invocation.catch(() => {}); // reported by pipeTo
  const response: GatewayResponse = {
    statusCode: 200,
    headers: [
      ['content-type', 'application/vnd.amazon.eventstream'],
      ['x-amzn-RequestId', requestId],
      ['X-Amz-Executed-Version', host.functionVersion],
    ],
    body: Buffer.alloc(0),
  };
  const streamed: StreamedBody = { pipeTo: (res, head) => writeEvents(res, head, started, invocation, host, logType === 'Tail', context.writeLog) };
  return { response, functionName: host.name, streamed };
}

async function writeEvents(
  res: ServerResponse,
  head: GatewayResponse,
  started: Promise<ResponseStream>,
  invocation: Promise<InvocationResult>,
  host: FunctionHost,
  tail: boolean,
  writeLog: (text: string) => void,
): Promise<void> {
  const flat: string[] = [];
  for (const [name, value] of head.headers) flat.push(name, value);
  res.writeHead(head.statusCode, flat);
  res.flushHeaders();
  const out = pacedWriter(res);
  let result: InvocationResult;
  try {
    const first = await Promise.race([started, invocation]);
    if ('ended' in first) {
      for await (const chunk of first) {
        if (out.gone()) break; // the client left: the rest is drained so the function can finish
        const [head, payload, tail] = eventMessageParts('PayloadChunk', 'application/octet-stream', chunk);
        res.cork(); // the three pieces leave in one writev
        res.write(head);
        res.write(payload);
        const written = out.write(tail);
        res.uncork();
        await written;
      }
    }
    result = await invocation;
  } catch (error) {
    writeLog(`emu: ${host.name}: the invocation failed inside emu: ${error instanceof Error ? error.message : String(error)}\n`);
    return void res.destroy();
  }
  if (result.metrics.bytesStreamed === undefined && result.status === 'ok') await out.write(eventMessage('PayloadChunk', 'application/octet-stream', Buffer.from(result.payloadJson)));
  res.end(eventMessage('InvokeComplete', 'application/json', Buffer.from(JSON.stringify(completion(result, host, tail)))));
}

/** InvokeComplete's fields: the error's type and message when the function failed (AWS's exact ErrorDetails is unconfirmed), the log tail when asked. */
function completion(result: InvocationResult, host: FunctionHost, tail: boolean): Record<string, string> {
  const fields: Record<string, string> = {};
  if (result.error !== undefined) {
    fields.ErrorCode = result.error.errorType;
    fields.ErrorDetails = result.error.errorMessage;
  }
  if (tail) fields.LogResult = logTail(result, host.functionVersion, host.platformLog());
  return fields;
}
