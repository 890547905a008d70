/**
 * Lambda's Invoke API [INV; contract §6]:
 * `POST /2015-03-31/functions/{FunctionName}/invocations`, so that
 * `@aws-sdk/client-lambda` and `aws lambda invoke --endpoint-url` work
 * against emu. Function failures are 200 with X-Amz-Function-Error; only
 * the service's own refusals get error statuses, in AWS's REST-JSON shape.
 */
import { endLine, reportLine, startLine, type InvocationResult, type PlatformLogFormat } from '../supervisor/index.js';
import { BuildError } from '../build/build-error.js';
import type { FunctionHost } from './function-host.js';
import type { GatewayResponse } from './gateway-response.js';
import { headerValue, type IncomingRequest } from './incoming-request.js';
import { resolveInvokeTarget } from './invoke-target.js';
import { MAX_ASYNC_REQUEST_BYTES, MAX_SYNC_REQUEST_BYTES } from './limits.js';

export const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const LOG_TAIL_BYTES = 4096;

export interface InvokeApiContext {
  /** By function name and by logical id. */
  functions: ReadonlyMap<string, FunctionHost>;
  region: string;
  accountId: string;
  /** Where an async (Event) invocation reports its outcome. */
  writeLog(text: string): void;
}

export interface InvokeApiAnswer {
  response: GatewayResponse;
  functionName: string;
  result?: InvocationResult;
}

export async function handleInvoke(request: IncomingRequest, context: InvokeApiContext): Promise<InvokeApiAnswer> {
  const resolved = resolveInvokeTarget(INVOKE_PATH.exec(request.rawPath)?.[1] ?? '', request.rawQuery, context);
  const fail = (status: number, type: string, message: string): InvokeApiAnswer => ({ response: serviceError(status, type, message), functionName: resolved.name });
  if (request.method !== 'POST') return fail(405, 'UnsupportedOperationException', `${request.method} is not supported on this path; use POST`);
  if (resolved.kind === 'refused') return fail(resolved.statusCode, resolved.errorType, resolved.message);
  const { host } = resolved;
  const invocationType = headerValue(request, 'x-amz-invocation-type') ?? 'RequestResponse';
  const logType = headerValue(request, 'x-amz-log-type') ?? 'None';
  if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) return fail(400, 'InvalidParameterValueException', `Unsupported invocation type: ${invocationType}`);
  if (!['None', 'Tail'].includes(logType)) return fail(400, 'InvalidParameterValueException', `Unsupported log type: ${logType}`);
  const limit = invocationType === 'Event' ? MAX_ASYNC_REQUEST_BYTES : MAX_SYNC_REQUEST_BYTES;
  if (request.body.length > limit) {
    return fail(413, 'RequestTooLargeException', `Request must be smaller than ${limit} bytes for the InvokeFunction operation`);
  }
  // No payload is an empty JSON object for the handler, as on AWS.
  const eventJson = request.body.length === 0 ? '{}' : request.body.toString('utf8');
  if (!isJson(eventJson)) return fail(400, 'InvalidRequestContentException', 'Could not parse request body into json: the payload is not valid JSON');
  const clientContext = decodeClientContext(headerValue(request, 'x-amz-client-context'));
  if (clientContext instanceof Error) return fail(400, 'InvalidRequestContentException', 'Client context must be a valid Base64-encoded JSON object.');
  const tenantId = headerValue(request, 'x-amz-tenant-id');
  const options = { ...(clientContext === undefined ? {} : { clientContext }), ...(tenantId === undefined ? {} : { tenantId }) };
  const name = host.name;
  if (invocationType === 'DryRun') return { response: { statusCode: 204, headers: [], body: Buffer.alloc(0) }, functionName: name };
  if (invocationType === 'Event') {
    void host.invokeJson(eventJson, options).then(
      (result) => context.writeLog(`emu: ${name}: async invocation ${result.requestId} ${result.status === 'ok' ? 'succeeded' : `failed: ${result.error?.errorType}`}\n`),
      (error: unknown) => context.writeLog(`emu: ${name}: async invocation failed inside emu: ${String(error)}\n`),
    );
    return { response: { statusCode: 202, headers: [], body: Buffer.alloc(0) }, functionName: name };
  }
  let result: InvocationResult;
  try {
    result = await host.invokeJson(eventJson, { ...options, captureLogs: logType === 'Tail' });
  } catch (error) {
    if (!(error instanceof BuildError)) throw error;
    context.writeLog(`emu: ${name}: no build to run (the Invoke API answers 502): ${error.diagnostics[0] ?? error.message}\n`);
    return fail(502, 'ServiceException', `${name}: the function's code did not build; emu serve's output has esbuild's messages`);
  }
  return { response: invokeResponse(result, host.functionVersion, logType === 'Tail' ? host.platformLog() : null), functionName: name, result };
}

/** tail: null for no log tail; a format for the function's own, undefined for the text lines. */
function invokeResponse(result: InvocationResult, version: string, tail: PlatformLogFormat | undefined | null): GatewayResponse {
  const headers: Array<[string, string]> = [
    ['content-type', 'application/json'],
    ['x-amzn-RequestId', result.requestId],
    ['X-Amz-Executed-Version', version],
  ];
  // Node.js errors are always Unhandled [DG-NERR]; the status code stays 200.
  if (result.status === 'error') headers.push(['X-Amz-Function-Error', 'Unhandled']);
  if (tail !== null) headers.push(['X-Amz-Log-Result', logTail(result, version, tail)]);
  return { statusCode: 200, headers, body: Buffer.from(result.payloadJson) };
}

/** The last 4 KB of what CloudWatch would hold for the invocation, START to REPORT in the function's log format, base64-encoded. */
export function logTail(result: InvocationResult, version: string, format: PlatformLogFormat | undefined): string {
  const line = (text: string | undefined): string => (text === undefined ? '' : `${text}\n`);
  const text = [
    line(format === undefined ? startLine(result.requestId, version) : format.start(result.requestId)),
    result.logs ?? '',
    line(format === undefined ? endLine(result.requestId) : format.end(result)),
    line(format === undefined ? reportLine(result.requestId, result.metrics, result.error?.errorType) : format.report(result)),
  ].join('');
  const bytes = Buffer.from(text);
  return bytes.subarray(Math.max(0, bytes.length - LOG_TAIL_BYTES)).toString('base64');
}

function decodeClientContext(header: string | undefined): unknown {
  if (header === undefined || header === '') return undefined;
  try {
    return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as unknown;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** AWS's REST-JSON error: the type in a header, `{"Type","Message"}` in the body; the SDK reads both. */
export function serviceError(statusCode: number, type: string, message: string): GatewayResponse {
  const kind = statusCode >= 500 ? 'Service' : 'User';
  return {
    statusCode,
    headers: [
      ['content-type', 'application/json'],
      ['x-amzn-ErrorType', type],
    ],
    body: Buffer.from(JSON.stringify({ Type: kind, Message: message })),
  };
}
