// A request → the payload 1.0 event (REST API, or an HTTP API route at 1.0), without a server: what a handler reads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IncomingRequest } from '../src/http/incoming-request.js';
import { restEvent } from '../src/http/rest-event.js';
import type { Route, RouteMatch } from '../src/http/router.js';
import { context, incomingRequest, receivedAt, routeMatch } from './gateway-request.js';

function request(overrides: Partial<IncomingRequest> = {}): IncomingRequest {
  return incomingRequest({ method: 'POST', rawPath: '/items/a%20b', ...overrides });
}

function match(overrides: Partial<Route> = {}, pathParameters: Record<string, string> | null = { id: 'a%20b' }): RouteMatch {
  return routeMatch({ api: 'rest', method: 'POST', path: '/items/{id}', payloadFormat: '1.0', stage: 'Prod', binaryMediaTypes: [], functionName: 'fn', ...overrides }, pathParameters);
}

describe('restEvent: the request', () => {
  test('method, resource and path (still percent-encoded), path parameters as matched, no stage variables', () => {
    const event = restEvent(request(), match(), context);
    assert.equal(event.httpMethod, 'POST');
    assert.equal(event.resource, '/items/{id}');
    assert.equal(event.path, '/items/a%20b');
    assert.deepEqual(event.pathParameters, { id: 'a%20b' });
    assert.equal(event.stageVariables, null);
    assert.equal('version' in event, false, 'a REST API sends no version field');
  });

  test('an HTTP API route at payload 1.0 marks its event version 1.0', () => {
    const event = restEvent(request(), match({ api: 'http' }), context);
    assert.equal(event.version, '1.0');
    assert.equal(event.requestContext.apiId, 'h7xmpl4w9c');
  });

  test('the $default route is the resource of its events', () => {
    const event = restEvent(request(), { ...match({ path: '$default' }, null), routeKey: '$default' }, context);
    assert.equal(event.resource, '$default');
    assert.equal(event.requestContext.resourcePath, '$default');
    assert.equal(event.pathParameters, null);
  });
});

describe('restEvent: headers', () => {
  test('single and multi-value maps side by side: the last value wins, repeats are kept in order, first casing names the header', () => {
    const headers: Array<[string, string]> = [['Accept', 'text/html'], ['X-Tag', 'a'], ['x-tag', 'b'], ['X-TAG', 'c']];
    const event = restEvent(request({ rawHeaders: headers }), match(), context);
    assert.equal(event.headers['X-Tag'], 'c');
    assert.deepEqual(event.multiValueHeaders['X-Tag'], ['a', 'b', 'c']);
    assert.equal(event.headers['x-tag'], undefined);
    assert.equal(event.headers.Accept, 'text/html');
    assert.deepEqual(event.multiValueHeaders.Accept, ['text/html']);
  });

  test('API Gateway adds X-Forwarded-For, -Port and -Proto when the client sent none', () => {
    const event = restEvent(request({ sourceIp: '10.1.2.3' }), match(), context);
    assert.equal(event.headers['X-Forwarded-For'], '10.1.2.3');
    assert.equal(event.headers['X-Forwarded-Port'], '3000');
    assert.equal(event.headers['X-Forwarded-Proto'], 'http');
    assert.deepEqual(event.multiValueHeaders['X-Forwarded-Port'], ['3000']);
  });

  test("a client's own X-Forwarded-For is kept, whatever its casing, and not doubled", () => {
    const event = restEvent(request({ rawHeaders: [['x-forwarded-for', '198.51.100.7']] }), match(), context);
    assert.equal(event.headers['x-forwarded-for'], '198.51.100.7');
    assert.deepEqual(event.multiValueHeaders['x-forwarded-for'], ['198.51.100.7']);
    assert.equal(event.headers['X-Forwarded-For'], undefined);
  });
});

describe('restEvent: query string', () => {
  test('decoded, the last value in the single map, all values in the multi map; names keep their case', () => {
    const event = restEvent(request({ rawQuery: 'a=1&a=2&Name=J%C3%BCrgen+X&flag' }), match(), context);
    assert.deepEqual(event.queryStringParameters, { a: '2', Name: 'Jürgen X', flag: '' });
    assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1', '2'], Name: ['Jürgen X'], flag: [''] });
  });

  test('query names are case-sensitive: a and A are two parameters', () => {
    const event = restEvent(request({ rawQuery: 'a=1&A=2' }), match(), context);
    assert.deepEqual(event.queryStringParameters, { a: '1', A: '2' });
    assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1'], A: ['2'] });
  });

  test('no query: both maps are null, not {}', () => {
    const event = restEvent(request(), match(), context);
    assert.equal(event.queryStringParameters, null);
    assert.equal(event.multiValueQueryStringParameters, null);
  });
});

describe('restEvent: body', () => {
  test('an empty body is null and not base64', () => {
    const event = restEvent(request(), match(), context);
    assert.equal(event.body, null);
    assert.equal(event.isBase64Encoded, false);
  });

  test('text arrives as text, whatever its content type, unless the type is a binary media type', () => {
    const text = restEvent(request({ body: Buffer.from('{"a":1}'), rawHeaders: [['Content-Type', 'application/json']] }), match(), context);
    assert.equal(text.body, '{"a":1}');
    assert.equal(text.isBase64Encoded, false);
    const png = Buffer.from('PNG-ish but valid UTF-8');
    const binary = restEvent(request({ body: png, rawHeaders: [['content-type', 'image/png']] }), match({ binaryMediaTypes: ['image/*'] }), context);
    assert.equal(binary.body, png.toString('base64'));
    assert.equal(binary.isBase64Encoded, true);
  });
});

describe('restEvent: requestContext', () => {
  test('ids, account, stage path, resource and times as API Gateway reports them', () => {
    const { requestContext } = restEvent(request(), match(), context);
    assert.equal(requestContext.accountId, '123456789012');
    assert.equal(requestContext.apiId, 'k3xmpl7q2d');
    assert.equal(requestContext.domainName, 'localhost.emu.test');
    assert.equal(requestContext.domainPrefix, 'localhost');
    assert.equal(requestContext.httpMethod, 'POST');
    assert.equal(requestContext.path, '/Prod/items/a%20b', 'the stage leads the path');
    assert.equal(requestContext.protocol, 'HTTP/1.1');
    assert.match(requestContext.requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(requestContext.extendedRequestId as string, /^[A-Za-z0-9+/]{15}=$/);
    assert.equal(requestContext.requestTime, '01/May/2024:12:03:04 +0000');
    assert.equal(requestContext.requestTimeEpoch, receivedAt.getTime());
    assert.equal(requestContext.resourceId, 'x4mpl8');
    assert.equal(requestContext.resourcePath, '/items/{id}');
    assert.equal(requestContext.stage, 'Prod');
    assert.equal(requestContext.identity.sourceIp, '127.0.0.1');
    assert.equal(requestContext.identity.userAgent, 'curl/8.0');
    assert.equal('authorizer' in requestContext, false, 'no authorizer, no authorizer key');
  });

  test('the $default stage adds nothing to the path', () => {
    const { requestContext } = restEvent(request(), match({ stage: '$default' }), context);
    assert.equal(requestContext.path, '/items/a%20b');
    assert.equal(requestContext.stage, '$default');
  });

  test('every event has its own request id', () => {
    const a = restEvent(request(), match(), context).requestContext;
    const b = restEvent(request(), match(), context).requestContext;
    assert.notEqual(a.requestId, b.requestId);
    assert.notEqual(a.extendedRequestId, b.extendedRequestId);
  });
});
