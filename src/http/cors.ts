/**
 * CORS as each product applies it (docs/cors.md cites the rules):
 * - HTTP APIs and Function URLs answer a preflight themselves, before any
 *   route or function, and put their configured headers on every response to a
 *   request with an Origin, in place of whatever CORS headers the function set.
 * - REST APIs have no CORS of their own: SAM adds an OPTIONS method with a
 *   mock integration to each path of an API with `Cors`, answering with the
 *   configured headers whatever the request; other responses are the function's.
 */
import type { CorsRule } from '../template/index.js';
import type { GatewayResponse } from './gateway-response.js';
import { headerValue, type IncomingRequest } from './incoming-request.js';

/** Every method a path's ANY stands for, in the order SAM lists them in Access-Control-Allow-Methods. */
const ANY_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

/** A browser's preflight: OPTIONS with Origin and Access-Control-Request-Method (the HTTP API doc's condition). */
export function isPreflight(request: IncomingRequest): boolean {
  return request.method === 'OPTIONS' && headerValue(request, 'origin') !== undefined && headerValue(request, 'access-control-request-method') !== undefined;
}

/** HTTP API / Function URL preflight: 204; the CORS headers only for an origin the rule allows. */
export function gatewayPreflight(rule: CorsRule, request: IncomingRequest): GatewayResponse {
  const headers: Array<[string, string]> = [];
  const allowedOrigin = allowOriginFor(rule, headerValue(request, 'origin'));
  if (allowedOrigin !== undefined) {
    headers.push(['access-control-allow-origin', allowedOrigin]);
    if (rule.allowCredentials) headers.push(['access-control-allow-credentials', 'true']);
    if (rule.allowMethods.length > 0) headers.push(['access-control-allow-methods', rule.allowMethods.join(',')]);
    if (rule.allowHeaders.length > 0) headers.push(['access-control-allow-headers', rule.allowHeaders.join(',')]);
    if (rule.exposeHeaders.length > 0) headers.push(['access-control-expose-headers', rule.exposeHeaders.join(',')]);
    if (rule.maxAgeSeconds !== undefined) headers.push(['access-control-max-age', String(rule.maxAgeSeconds)]);
  }
  return { statusCode: 204, headers, body: Buffer.alloc(0) };
}

/** HTTP API / Function URL: the function's own CORS headers dropped, the rule's added for an allowed Origin. */
export function withGatewayCors(rule: CorsRule, request: IncomingRequest, response: GatewayResponse): GatewayResponse {
  const headers = response.headers.filter(([name]) => !name.toLowerCase().startsWith('access-control-'));
  const allowedOrigin = allowOriginFor(rule, headerValue(request, 'origin'));
  if (allowedOrigin !== undefined) {
    headers.push(['access-control-allow-origin', allowedOrigin]);
    if (rule.allowCredentials) headers.push(['access-control-allow-credentials', 'true']);
    if (rule.exposeHeaders.length > 0) headers.push(['access-control-expose-headers', rule.exposeHeaders.join(',')]);
  }
  return { ...response, headers };
}

/**
 * The OPTIONS method SAM adds to a REST API path: a mock integration answering 200 with the
 * configured values as written, whatever the Origin; without AllowMethods, the path's own methods.
 */
export function restMockPreflight(rule: CorsRule, pathMethods: readonly string[]): GatewayResponse {
  const methods = rule.allowMethods.length > 0 ? rule.allowMethods : methodsOfPath(pathMethods);
  const headers: Array<[string, string]> = [
    ['content-type', 'application/json'],
    ['access-control-allow-origin', rule.allowOrigins[0] ?? '*'],
    ['access-control-allow-methods', methods.join(',')],
  ];
  if (rule.allowHeaders.length > 0) headers.push(['access-control-allow-headers', rule.allowHeaders.join(',')]);
  if (rule.maxAgeSeconds !== undefined) headers.push(['access-control-max-age', String(rule.maxAgeSeconds)]);
  if (rule.allowCredentials) headers.push(['access-control-allow-credentials', 'true']);
  return { statusCode: 200, headers, body: Buffer.alloc(0) };
}

function methodsOfPath(pathMethods: readonly string[]): string[] {
  if (pathMethods.includes('ANY')) return ANY_METHODS;
  return [...new Set([...pathMethods, 'OPTIONS'])].sort();
}

/** The Access-Control-Allow-Origin value for this Origin, or undefined when the rule does not allow it. */
function allowOriginFor(rule: CorsRule, origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  if (rule.allowOrigins.includes('*')) return rule.allowCredentials ? origin : '*';
  const lower = origin.toLowerCase();
  return rule.allowOrigins.some((allowed) => allowed.toLowerCase() === lower) ? origin : undefined;
}
