/**
 * A real request → the payload 1.0 event of a REST API's Lambda proxy
 * integration (or an HTTP API route with PayloadFormatVersion 1.0) [GW1;
 * contract §7]: header names as the client sent them, single- and
 * multi-value maps side by side, and null (not {}) for an absent map.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { restIdentity } from '../events/api-gateway.js';
import { awsIds } from '../events/aws-ids.js';
import { awsTime } from '../events/aws-time.js';
import { encodeBody, matchesMediaTypes } from './body-encoding.js';
import type { EventContext } from './event-context.js';
import { headerValue, queryPairs, type IncomingRequest } from './incoming-request.js';
import type { RouteMatch } from './router.js';

// One id per API, fixed, so that a session's events look like traffic to one API.
export const REST_API_ID = 'k3xmpl7q2d';
export const HTTP_API_ID = 'h7xmpl4w9c';
const RESOURCE_ID = 'x4mpl8';

export function restEvent(request: IncomingRequest, match: RouteMatch, context: EventContext): APIGatewayProxyEvent & { version?: string } {
  const { route } = match;
  const headers = forwardedHeaders(request, context);
  const query = queryPairs(request.rawQuery);
  const encoded = encodeBody(request.body, matchesMediaTypes(headerValue(request, 'content-type'), route.binaryMediaTypes));
  const resource = match.routeKey === '$default' ? '$default' : route.path;
  const event: APIGatewayProxyEvent & { version?: string } = {
    resource,
    // Unconfirmed: REST APIs are reported to pass path and pathParameters still
    // percent-encoded, while the query is decoded; emu does the same.
    path: request.rawPath,
    httpMethod: request.method,
    headers: lastValues(headers, true),
    multiValueHeaders: allValues(headers, true),
    queryStringParameters: query.length > 0 ? lastValues(query, false) : null,
    multiValueQueryStringParameters: query.length > 0 ? allValues(query, false) : null,
    pathParameters: match.pathParameters,
    stageVariables: route.stageVariables ?? null,
    requestContext: restRequestContext(request, match, context, resource),
    body: encoded.body ?? null,
    isBase64Encoded: encoded.isBase64Encoded,
  };
  // HTTP APIs mark their 1.0 payloads; REST APIs send no version field.
  return route.api === 'http' ? { version: '1.0', ...event } : event;
}

function restRequestContext(request: IncomingRequest, match: RouteMatch, context: EventContext, resource: string): APIGatewayProxyEvent['requestContext'] {
  const apiId = match.route.api === 'http' ? HTTP_API_ID : REST_API_ID;
  const stage = match.route.stage;
  const requestContext: Omit<APIGatewayProxyEvent['requestContext'], 'authorizer'> = {
    accountId: context.accountId,
    apiId,
    domainName: context.domainName,
    domainPrefix: context.domainName.split('.')[0] ?? context.domainName,
    extendedRequestId: awsIds.base64(11),
    httpMethod: request.method,
    identity: restIdentity(request.sourceIp, request.userAgent),
    path: stage === '$default' ? request.rawPath : `/${stage}${request.rawPath}`,
    protocol: request.protocol,
    requestId: awsIds.uuid(),
    requestTime: awsTime.clf(request.receivedAt),
    requestTimeEpoch: request.receivedAt.getTime(),
    resourceId: RESOURCE_ID,
    resourcePath: resource,
    stage,
  };
  // Without an authorizer API Gateway sends no `authorizer` key; the type insists on one.
  return requestContext as APIGatewayProxyEvent['requestContext'];
}

/** The client's headers, plus the X-Forwarded-* trio API Gateway's front end adds when the client did not. */
function forwardedHeaders(request: IncomingRequest, context: EventContext): Array<[string, string]> {
  const headers = [...request.rawHeaders];
  const add = (name: string, value: string): void => {
    if (headerValue(request, name) === undefined) headers.push([name, value]);
  };
  add('X-Forwarded-For', request.sourceIp);
  add('X-Forwarded-Port', String(context.port));
  add('X-Forwarded-Proto', 'http');
  return headers;
}

/** The last value wins. Header names are grouped case-insensitively under the first casing seen. */
function lastValues(pairs: Array<[string, string]>, headerNames: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const names = new Map<string, string>();
  for (const [name, value] of pairs) out[headerNames ? canonical(names, name) : name] = value;
  return out;
}

function allValues(pairs: Array<[string, string]>, headerNames: boolean): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const names = new Map<string, string>();
  for (const [name, value] of pairs) (out[headerNames ? canonical(names, name) : name] ??= []).push(value);
  return out;
}

function canonical(names: Map<string, string>, name: string): string {
  const lower = name.toLowerCase();
  const known = names.get(lower);
  if (known !== undefined) return known;
  names.set(lower, name);
  return name;
}
