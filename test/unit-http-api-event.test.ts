// A request → the payload 2.0 event (HTTP API route or Function URL), without a server: what a handler reads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { httpApiEvent } from '../src/http/http-api-event.js';
import type { IncomingRequest } from '../src/http/incoming-request.js';
import type { Route, RouteMatch } from '../src/http/router.js';
import { context, incomingRequest, receivedAt, routeMatch } from './gateway-request.js';

function request(overrides: Partial<IncomingRequest> = {}): IncomingRequest {
  return incomingRequest({ method: 'GET', rawPath: '/items/a%2Fb', ...overrides });
}

function match(overrides: Partial<Route> = {}, pathParameters: Record<string, string> | null = { id: 'a%2Fb' }): RouteMatch {
  return routeMatch({ api: 'http', method: 'GET', path: '/items/{id}', payloadFormat: '2.0', stage: '$default', binaryMediaTypes: [], functionName: 'fn', ...overrides }, pathParameters);
}

describe('httpApiEvent: route, path and query', () => {
  test('version 2.0, the route key, the raw path and query as sent, path parameters decoded', () => {
    const event = httpApiEvent(request({ rawQuery: 'q=a%20b&q=c' }), match(), context);
    assert.equal(event.version, '2.0');
    assert.equal(event.routeKey, 'GET /items/{id}');
    assert.equal(event.rawPath, '/items/a%2Fb');
    assert.equal(event.rawQueryString, 'q=a%20b&q=c');
    assert.deepEqual(event.pathParameters, { id: 'a/b' });
    assert.deepEqual(event.queryStringParameters, { q: 'a b,c' }, 'repeats are comma-joined');
  });

  test('a path parameter that is not valid percent-encoding is passed on as sent', () => {
    const event = httpApiEvent(request({ rawPath: '/items/100%' }), match({}, { id: '100%', other: 'x%41' }), context);
    assert.deepEqual(event.pathParameters, { id: '100%', other: 'xA' });
  });

  test('a named stage leads rawPath and http.path; $default adds nothing', () => {
    const staged = httpApiEvent(request(), match({ stage: 'beta' }), context);
    assert.equal(staged.rawPath, '/beta/items/a%2Fb');
    assert.equal(staged.requestContext.http.path, '/beta/items/a%2Fb');
    assert.equal(staged.requestContext.stage, 'beta');
    assert.equal(httpApiEvent(request(), match(), context).requestContext.http.path, '/items/a%2Fb');
  });

  test('empty parts are left out, not null: no query, no cookies, no path parameters, no body', () => {
    const event = httpApiEvent(request(), match({}, null), context);
    for (const key of ['queryStringParameters', 'cookies', 'pathParameters', 'body']) assert.equal(key in event, false, key);
    assert.equal(event.isBase64Encoded, false);
  });
});

describe('httpApiEvent: headers and cookies', () => {
  test('names lower-cased, repeats comma-joined, the Cookie header split into cookies', () => {
    const headers: Array<[string, string]> = [['Host', 'localhost:3000'], ['X-Tag', 'a'], ['x-tag', 'b'], ['Cookie', 'a=1; b=2;;  c=3 '], ['cookie', 'd=4']];
    const event = httpApiEvent(request({ rawHeaders: headers }), match(), context);
    assert.equal(event.headers['x-tag'], 'a,b');
    assert.equal(event.headers['X-Tag'], undefined);
    assert.deepEqual(event.cookies, ['a=1', 'b=2', 'c=3', 'd=4']);
    assert.equal(event.headers.cookie, undefined, 'cookies leave the headers');
    assert.equal(event.headers.host, 'localhost:3000');
  });

  test('X-Forwarded-For/-Port/-Proto and a trace id are added when missing', () => {
    const event = httpApiEvent(request({ sourceIp: '10.1.2.3' }), match(), context);
    assert.deepEqual(Object.keys(event.headers), ['host', 'x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto', 'x-amzn-trace-id']);
    assert.equal(event.headers['x-forwarded-for'], '10.1.2.3');
    assert.equal(event.headers['x-forwarded-port'], '3000');
    assert.equal(event.headers['x-forwarded-proto'], 'http');
    const epochHex = Math.floor(receivedAt.getTime() / 1000).toString(16);
    assert.match(event.headers['x-amzn-trace-id'] as string, new RegExp(`^Root=1-${epochHex}-[0-9a-f]{24}$`));
  });

  test("the client's own forwarding and trace headers are kept, not doubled", () => {
    const headers: Array<[string, string]> = [
      ['X-Forwarded-For', '198.51.100.7'],
      ['X-Forwarded-Port', '8443'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Amzn-Trace-Id', 'Root=1-abc-def'],
    ];
    const event = httpApiEvent(request({ rawHeaders: headers }), match(), context);
    assert.equal(event.headers['x-forwarded-for'], '198.51.100.7');
    assert.equal(event.headers['x-forwarded-port'], '8443');
    assert.equal(event.headers['x-forwarded-proto'], 'https');
    assert.equal(event.headers['x-amzn-trace-id'], 'Root=1-abc-def');
  });

  test('a Cookie header of nothing but separators gives no cookies key', () => {
    const event = httpApiEvent(request({ rawHeaders: [['Cookie', ' ; ;']] }), match(), context);
    assert.equal('cookies' in event, false);
  });
});

describe('httpApiEvent: body', () => {
  test('text content types arrive as text; anything else (or no content type) base64-encoded', () => {
    const json = httpApiEvent(request({ body: Buffer.from('{"a":1}'), rawHeaders: [['Content-Type', 'application/json; charset=utf-8']] }), match(), context);
    assert.equal(json.body, '{"a":1}');
    assert.equal(json.isBase64Encoded, false);
    const form = httpApiEvent(request({ body: Buffer.from('a=1'), rawHeaders: [['Content-Type', 'application/x-www-form-urlencoded']] }), match(), context);
    assert.equal(form.body, Buffer.from('a=1').toString('base64'));
    assert.equal(form.isBase64Encoded, true);
    const untyped = httpApiEvent(request({ body: Buffer.from('hi') }), match(), context);
    assert.equal(untyped.isBase64Encoded, true);
  });
});

describe('httpApiEvent: requestContext', () => {
  test('an HTTP API route: account, API id, domain, http block, route key, stage and times', () => {
    const { requestContext } = httpApiEvent(request({ method: 'GET' }), match(), context);
    assert.equal(requestContext.accountId, '123456789012');
    assert.equal(requestContext.apiId, 'h7xmpl4w9c');
    assert.equal(requestContext.domainName, 'localhost.emu.test');
    assert.equal(requestContext.domainPrefix, 'localhost');
    assert.deepEqual(requestContext.http, { method: 'GET', path: '/items/a%2Fb', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/8.0' });
    assert.match(requestContext.requestId, /^[A-Za-z0-9+/]{15}=$/, 'HTTP APIs use a short base64 request id');
    assert.equal(requestContext.routeKey, 'GET /items/{id}');
    assert.equal(requestContext.stage, '$default');
    assert.equal(requestContext.time, '01/May/2024:12:03:04 +0000');
    assert.equal(requestContext.timeEpoch, receivedAt.getTime());
  });

  test('a Function URL: anonymous account, a 32-character URL id, $default route and stage, a UUID request id, no trace header added', () => {
    const event = httpApiEvent(request({ rawPath: '/any/path' }), 'function-url', context);
    assert.equal(event.routeKey, '$default');
    assert.equal(event.rawPath, '/any/path');
    assert.equal('pathParameters' in event, false);
    assert.equal(event.requestContext.accountId, 'anonymous');
    assert.match(event.requestContext.apiId, /^[a-z0-9]{32}$/);
    assert.equal(event.requestContext.routeKey, '$default');
    assert.equal(event.requestContext.stage, '$default');
    assert.match(event.requestContext.requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(event.headers['x-amzn-trace-id'], undefined);
    assert.equal(event.headers['x-forwarded-proto'], 'http');
  });
});
