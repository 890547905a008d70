/**
 * The events API Gateway sends a Lambda authorizer [DG-REST-AUTH-INPUT;
 * DG-HTTP-AUTH]: REST `TOKEN` ({type, authorizationToken, methodArn}) and
 * `REQUEST` (the request as the proxy event has it, plus methodArn), HTTP API
 * `REQUEST` in payload 1.0 (methodArn, identitySource comma-joined) and 2.0
 * (routeArn, identitySource as a list), and the identity values they are keyed by.
 */
import type { IdentitySource, LambdaAuthorizer } from '../template/index.js';
import type { EventContext } from './event-context.js';
import { httpApiEvent } from './http-api-event.js';
import { headerValue, queryPairs, type IncomingRequest } from './incoming-request.js';
import { HTTP_API_ID, restEvent, REST_API_ID } from './rest-event.js';
import type { RouteMatch } from './router.js';

/** `arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<method>/<path>`: the request's path, not the route's template. */
export function methodArn(request: IncomingRequest, match: RouteMatch, context: EventContext): string {
  const apiId = match.route.api === 'rest' ? REST_API_ID : HTTP_API_ID;
  return `arn:aws:execute-api:${context.region}:${context.accountId}:${apiId}/${match.route.stage}/${request.method}${request.rawPath}`;
}

/** Each identity source's value, in order; undefined when one is missing or empty (API Gateway then answers 401 unasked). */
export function identityValues(request: IncomingRequest, match: RouteMatch, sources: readonly IdentitySource[]): string[] | undefined {
  const values: string[] = [];
  for (const source of sources) {
    const value = identityValue(request, match, source);
    if (value === undefined || value === '') return undefined;
    values.push(value);
  }
  return values;
}

function identityValue(request: IncomingRequest, match: RouteMatch, source: IdentitySource): string | undefined {
  switch (source.from) {
    case 'header':
      return headerValue(request, source.name);
    case 'query':
      return queryPairs(request.rawQuery).findLast(([name]) => name === source.name)?.[1];
    case 'stageVariable':
      return undefined;
    case 'context':
      return contextValue(request, match, source.name);
  }
}

/** The few $context variables a local request has. */
function contextValue(request: IncomingRequest, match: RouteMatch, name: string): string | undefined {
  const values: Record<string, string> = { httpMethod: request.method, path: request.rawPath, stage: match.route.stage, resourcePath: match.route.path, sourceIp: request.sourceIp, 'identity.sourceIp': request.sourceIp };
  return Object.hasOwn(values, name) ? values[name] : undefined;
}

export function authorizerEvent(request: IncomingRequest, match: RouteMatch, context: EventContext, authorizer: LambdaAuthorizer, identity: string[]): Record<string, unknown> {
  const arn = methodArn(request, match, context);
  if (authorizer.payloadType === 'TOKEN') return { type: 'TOKEN', authorizationToken: identity[0] ?? '', methodArn: arn };
  if (authorizer.api === 'http' && authorizer.payloadFormat === '2.0') {
    const { version: _version, isBase64Encoded: _base64, body: _body, ...rest } = httpApiEvent(request, { ...match, route: { ...match.route, payloadFormat: '2.0' } }, context);
    return { version: '2.0', type: 'REQUEST', routeArn: arn, identitySource: identity, ...rest };
  }
  const { version: _version, isBase64Encoded: _base64, body: _body, ...rest } = restEvent(request, { ...match, route: { ...match.route, payloadFormat: '1.0' } }, context);
  if (authorizer.api === 'rest') return { type: 'REQUEST', methodArn: arn, ...rest };
  const joined = identity.join(',');
  return { version: '1.0', type: 'REQUEST', methodArn: arn, identitySource: joined, authorizationToken: joined, ...rest };
}
