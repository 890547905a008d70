import type {
  APIGatewayEventRequestContext,
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
} from 'aws-lambda';
import { awsIds } from './aws-ids.js';
import { awsTime } from './aws-time.js';
import { resolveBaseOptions, type ResolvedBaseOptions } from './base-event-options.js';
import {
  allValues,
  decodedQuery,
  httpRequest,
  joinedValues,
  lastValues,
  matchResource,
  titleCase,
  type HttpRequest,
  type HttpRequestOptions,
} from './http-request.js';

// One API per process: a stream of requests looks like traffic to the same API.
const REST_API_ID = 'k3xmpl7q2d';
const HTTP_API_ID = 'h7xmpl4w9c';
const RESOURCE_ID = 'x4mpl8';

export interface ApiGatewayProxyOptions extends HttpRequestOptions {
  /** Resource template, e.g. `/items/{id}`. Default `/{proxy+}` (or `/` for the root path). */
  resource?: string;
  /** Deployment stage. Default `prod`. */
  stage?: string;
}

export interface ApiGatewayHttpApiOptions extends HttpRequestOptions {
  /** Route key, e.g. `GET /items/{id}`. Default `$default`. */
  route?: string;
  /** Stage. Default `$default`, which leaves the stage out of the path. */
  stage?: string;
}

function restRequestContext(
  request: HttpRequest,
  base: ResolvedBaseOptions,
  stage: string,
  resource: string,
): APIGatewayEventRequestContext {
  const context: Omit<APIGatewayEventRequestContext, 'authorizer'> = {
    accountId: base.accountId,
    apiId: REST_API_ID,
    domainName: `${REST_API_ID}.execute-api.${base.region}.amazonaws.com`,
    domainPrefix: REST_API_ID,
    extendedRequestId: awsIds.base64(11),
    httpMethod: request.method,
    identity: restIdentity(request.sourceIp, request.userAgent),
    path: `/${stage}${request.path}`,
    protocol: 'HTTP/1.1',
    requestId: awsIds.uuid(),
    requestTime: awsTime.clf(base.time),
    requestTimeEpoch: base.time.getTime(),
    resourceId: RESOURCE_ID,
    resourcePath: resource,
    stage,
  };
  // Without an authorizer API Gateway sends no `authorizer` key at all; the
  // type insists on the key, so the honest shape needs this one cast.
  return context as APIGatewayEventRequestContext;
}

/** API Gateway REST API, Lambda proxy integration (payload format 1.0). */
export function apiGatewayProxyEvent(options: ApiGatewayProxyOptions = {}): APIGatewayProxyEvent {
  const base = resolveBaseOptions(options);
  const request = httpRequest(options, `${REST_API_ID}.execute-api.${base.region}.amazonaws.com`, base.time);
  const stage = options.stage ?? 'prod';
  const resource = options.resource ?? (request.path === '/' ? '/' : '/{proxy+}');
  const headers = request.headers.map(([name, value]): [string, string] => [titleCase(name), value]);
  const query = decodedQuery(request);
  return {
    resource,
    path: request.path,
    httpMethod: request.method,
    headers: lastValues(headers),
    multiValueHeaders: allValues(headers),
    queryStringParameters: query.length > 0 ? lastValues(query) : null,
    multiValueQueryStringParameters: query.length > 0 ? allValues(query) : null,
    pathParameters: matchResource(resource, request.path),
    stageVariables: null,
    requestContext: restRequestContext(request, base, stage, resource),
    body: request.body ?? null,
    isBase64Encoded: false,
  };
}

/** What differs between the payload 2.0 producers (HTTP API and Function URLs). */
export interface PayloadV2Source {
  apiId: string;
  domainName: string;
  requestId: string;
  routeKey: string;
  stage: string;
  pathParameters: Record<string, string> | null;
}

/** Builds a payload 2.0 event, shared by HTTP APIs and Lambda Function URLs. */
export function payloadV2Event(request: HttpRequest, base: ResolvedBaseOptions, source: PayloadV2Source): APIGatewayProxyEventV2 {
  const rawPath = source.stage === '$default' ? request.path : `/${source.stage}${request.path}`;
  const query = decodedQuery(request);
  const requestContext: APIGatewayEventRequestContextV2 = {
    accountId: base.accountId,
    apiId: source.apiId,
    domainName: source.domainName,
    domainPrefix: source.apiId,
    http: {
      method: request.method,
      path: rawPath,
      protocol: 'HTTP/1.1',
      sourceIp: request.sourceIp,
      userAgent: request.userAgent,
    },
    requestId: source.requestId,
    routeKey: source.routeKey,
    stage: source.stage,
    time: awsTime.clf(base.time),
    timeEpoch: base.time.getTime(),
  };
  // Payload 2.0 leaves out empty parts instead of sending nulls.
  return {
    version: '2.0',
    routeKey: source.routeKey,
    rawPath,
    rawQueryString: request.rawQuery,
    headers: joinedValues(request.headers),
    ...(query.length > 0 ? { queryStringParameters: joinedValues(query) } : {}),
    requestContext,
    ...(source.pathParameters ? { pathParameters: source.pathParameters } : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
    isBase64Encoded: false,
  };
}

/** API Gateway HTTP API (payload format 2.0). */
export function apiGatewayHttpApiEvent(options: ApiGatewayHttpApiOptions = {}): APIGatewayProxyEventV2 {
  const base = resolveBaseOptions(options);
  const domainName = `${HTTP_API_ID}.execute-api.${base.region}.amazonaws.com`;
  const request = httpRequest(options, domainName, base.time);
  const routeKey = options.route ?? '$default';
  const template = routeKey.split(' ')[1];
  return payloadV2Event(request, base, {
    apiId: HTTP_API_ID,
    domainName,
    // HTTP APIs use the short extended request id, not a UUID.
    requestId: awsIds.base64(11),
    routeKey,
    stage: options.stage ?? '$default',
    pathParameters: template === undefined ? null : matchResource(template, request.path),
  });
}

/** requestContext.identity of a REST (payload 1.0) event for an unauthenticated caller: every other field is null. */
export function restIdentity(sourceIp: string, userAgent: string | null): APIGatewayEventRequestContext['identity'] {
  return {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp,
    user: null,
    userAgent,
    userArn: null,
  };
}
