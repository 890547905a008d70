/** Builders for the unit tests of the request → event mappings: a received request and a matched route, without a server. */
import type { EventContext } from '../src/http/event-context.js';
import type { IncomingRequest } from '../src/http/incoming-request.js';
import type { Route, RouteMatch } from '../src/http/router.js';

export const context: EventContext = { accountId: '123456789012', region: 'eu-west-1', domainName: 'localhost.emu.test', port: 3000 };
export const receivedAt = new Date(Date.UTC(2024, 4, 1, 12, 3, 4, 567));

export function incomingRequest(overrides: Partial<IncomingRequest>): IncomingRequest {
  return {
    method: 'GET',
    rawPath: '/',
    rawQuery: '',
    rawHeaders: [['Host', 'localhost:3000']],
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
    protocol: 'HTTP/1.1',
    userAgent: 'curl/8.0',
    receivedAt,
    ...overrides,
  };
}

export function routeMatch(route: Route, pathParameters: Record<string, string> | null): RouteMatch {
  return { route, pathParameters, routeKey: `${route.method} ${route.path}` };
}
