/**
 * A real request → a payload 2.0 event, for HTTP API routes and Function
 * URLs [GW2; DG-URL; contract §7]: lower-case header names with repeats
 * comma-joined, cookies split out of the Cookie header, empty parts left out
 * rather than null, and every non-text body base64-encoded.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { awsIds } from '../events/aws-ids.js';
import { awsTime } from '../events/aws-time.js';
import { encodeBody, isTextContentType } from './body-encoding.js';
import type { EventContext } from './event-context.js';
import { headerValue, queryPairs, type IncomingRequest } from './incoming-request.js';
import type { RouteMatch } from './router.js';

const HTTP_API_ID = 'h7xmpl4w9c';
// Function URL ids are 32 lower-case characters.
const URL_ID = 'q7xmpl2vd3kbn5hwt4ycz6jf8r0ga1ms';

/** A Function URL request is a 2.0 event with no route and no stage: both are `$default`. */
export function httpApiEvent(request: IncomingRequest, match: RouteMatch | 'function-url', context: EventContext): APIGatewayProxyEventV2 {
  const url = match === 'function-url';
  const routeKey = url ? '$default' : match.routeKey;
  const stage = url ? '$default' : match.route.stage;
  const rawPath = stage === '$default' ? request.rawPath : `/${stage}${request.rawPath}`;
  const { cookies, headers } = splitCookies(request, context, url);
  const query = queryPairs(request.rawQuery);
  const encoded = encodeBody(request.body, !isTextContentType(headerValue(request, 'content-type')));
  const pathParameters = url ? null : decodeValues(match.pathParameters);
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: request.rawQuery,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query.length > 0 ? { queryStringParameters: joined(query) } : {}),
    requestContext: {
      accountId: url ? 'anonymous' : context.accountId,
      apiId: url ? URL_ID : HTTP_API_ID,
      domainName: context.domainName,
      domainPrefix: context.domainName.split('.')[0] ?? context.domainName,
      http: { method: request.method, path: rawPath, protocol: request.protocol, sourceIp: request.sourceIp, userAgent: request.userAgent },
      requestId: url ? awsIds.uuid() : awsIds.base64(11),
      routeKey,
      stage,
      time: awsTime.clf(request.receivedAt),
      timeEpoch: request.receivedAt.getTime(),
    },
    ...(pathParameters !== null ? { pathParameters } : {}),
    // Absent, not null, when the stage has none: 2.0 leaves out what a request lacks.
    ...(!url && match.route.stageVariables !== undefined ? { stageVariables: match.route.stageVariables } : {}),
    ...(encoded.body !== undefined ? { body: encoded.body } : {}),
    isBase64Encoded: encoded.isBase64Encoded,
  };
}

/** The Cookie header becomes `cookies` (one entry per cookie) and leaves `headers`, as HTTP APIs do. */
function splitCookies(request: IncomingRequest, context: EventContext, url: boolean): { cookies: string[]; headers: Record<string, string> } {
  const cookies: string[] = [];
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of request.rawHeaders) {
    const lower = name.toLowerCase();
    if (lower === 'cookie') cookies.push(...value.split(';').map((cookie) => cookie.trim()).filter((cookie) => cookie !== ''));
    else pairs.push([lower, value]);
  }
  const has = (name: string): boolean => pairs.some(([key]) => key === name);
  if (!has('x-forwarded-for')) pairs.push(['x-forwarded-for', request.sourceIp]);
  if (!has('x-forwarded-port')) pairs.push(['x-forwarded-port', String(context.port)]);
  if (!has('x-forwarded-proto')) pairs.push(['x-forwarded-proto', 'http']);
  if (!url && !has('x-amzn-trace-id')) pairs.push(['x-amzn-trace-id', `Root=${awsIds.traceRoot(request.receivedAt)}`]);
  return { cookies, headers: joined(pairs) };
}

/** Payload 2.0 joins repeated headers and query parameters with commas. */
function joined(pairs: Array<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of pairs) out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  return out;
}

/** HTTP APIs hand path parameters over decoded. */
function decodeValues(values: Record<string, string> | null): Record<string, string> | null {
  if (values === null) return null;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}
