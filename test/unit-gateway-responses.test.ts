// A function's result → the HTTP answer, for payload 1.0 (REST and HTTP API) and 2.0, without a server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { httpApiResponse } from '../src/http/http-api-response.js';
import { restResponse } from '../src/http/rest-response.js';
import type { Route } from '../src/http/router.js';

const route = (overrides: Partial<Route> = {}): Route => ({
  api: 'rest',
  method: 'GET',
  path: '/x',
  payloadFormat: '1.0',
  stage: 'Prod',
  binaryMediaTypes: [],
  functionName: 'fn',
  ...overrides,
});

const rest = (payload: unknown, overrides: Partial<Route> = {}, accept?: string) => restResponse(payload, route(overrides), accept);
const http2 = (payload: unknown) => httpApiResponse(payload, JSON.stringify(payload));

function answer<T extends object>(result: T | { malformed: string }): T {
  if ('malformed' in result) assert.fail(`unexpectedly malformed: ${result.malformed}`);
  return result;
}

describe('restResponse (payload 1.0)', () => {
  test('status, headers and a UTF-8 body; JSON is the content type when the function names none', () => {
    const result = answer(rest({ statusCode: 201, headers: { 'X-Id': 7, 'X-Ok': true }, body: 'héllo' }));
    assert.equal(result.statusCode, 201);
    assert.deepEqual(result.headers, [['X-Id', '7'], ['X-Ok', 'true'], ['content-type', 'application/json']]);
    assert.equal(result.body.toString('utf8'), 'héllo');
  });

  test("the function's own content type is kept, whatever its casing", () => {
    const result = answer(rest({ statusCode: 200, headers: { 'Content-Type': 'text/plain' } }));
    assert.deepEqual(result.headers, [['Content-Type', 'text/plain']]);
    assert.equal(result.body.length, 0, 'no body, an empty one');
  });

  test('headers and multiValueHeaders are merged; a pair in both is sent once; repeats stay separate', () => {
    const result = answer(
      rest({ statusCode: 200, headers: { 'Set-Cookie': 'a=1' }, multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'], Vary: ['Accept', 'Origin'] }, body: null }),
    );
    assert.deepEqual(result.headers, [['Set-Cookie', 'a=1'], ['set-cookie', 'b=2'], ['Vary', 'Accept'], ['Vary', 'Origin'], ['content-type', 'application/json']]);
  });

  test('null headers and multiValueHeaders are the same as none', () => {
    const result = answer(rest({ statusCode: 204, headers: null, multiValueHeaders: null }));
    assert.deepEqual(result.headers, [['content-type', 'application/json']]);
  });

  test('a REST API decodes a base64 body only for a binary media type (by content type or Accept)', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const payload = { statusCode: 200, headers: { 'content-type': 'image/png' }, body: png.toString('base64'), isBase64Encoded: true };
    assert.deepEqual(answer(rest(payload, { binaryMediaTypes: ['image/png'] })).body, png);
    assert.equal(answer(rest(payload)).body.toString('utf8'), png.toString('base64'), 'not a binary media type: sent as the text it is');
    const byAccept = answer(rest({ ...payload, headers: { 'content-type': 'application/octet-stream' } }, { binaryMediaTypes: ['image/*'] }, 'image/webp'));
    assert.deepEqual(byAccept.body, png);
    const notAsked = answer(rest({ ...payload, isBase64Encoded: false }, { binaryMediaTypes: ['image/png'] }));
    assert.equal(notAsked.body.toString('utf8'), png.toString('base64'));
  });

  test('the content type that decides binary is the content-type header, wherever it is in the list', () => {
    const payload = { statusCode: 200, headers: { 'X-First': 'image/png', 'Content-Type': 'text/plain' }, body: 'aGk=', isBase64Encoded: true };
    assert.equal(answer(rest(payload, { binaryMediaTypes: ['image/png'] })).body.toString('utf8'), 'aGk=');
    const binary = { ...payload, headers: { 'X-First': 'text/plain', 'Content-Type': 'image/png' } };
    assert.equal(answer(rest(binary, { binaryMediaTypes: ['image/png'] })).body.toString('utf8'), 'hi');
  });

  test('an HTTP API (payload 1.0) decodes base64 whenever asked and ignores unknown keys', () => {
    const result = answer(rest({ statusCode: 200, body: Buffer.from('hi').toString('base64'), isBase64Encoded: true, extra: 1 }, { api: 'http' }));
    assert.equal(result.body.toString('utf8'), 'hi');
  });

  test('what a REST API refuses, with the reason', () => {
    const malformed = (payload: unknown, overrides: Partial<Route> = {}) => {
      const result = restResponse(payload, route(overrides), undefined);
      assert.ok('malformed' in result, `expected malformed: ${JSON.stringify(payload)}`);
      return result.malformed;
    };
    assert.equal(malformed('ok'), 'the result is not an object with a statusCode');
    assert.equal(malformed([200]), 'the result is not an object with a statusCode');
    assert.equal(malformed({ statusCode: 200, foo: 1, bar: 2 }), 'unexpected key(s) in the result: foo, bar');
    assert.equal(malformed({ statusCode: '200' }), 'statusCode must be an integer HTTP status, got "200"');
    assert.equal(malformed({}), 'statusCode must be an integer HTTP status, got undefined');
    assert.equal(malformed({ statusCode: 200, body: { a: 1 } }), 'body must be a string, got object');
    assert.equal(malformed({ statusCode: 200, headers: 'x' }), 'headers must be an object');
    assert.equal(malformed({ statusCode: 200, headers: ['x'] }), 'headers must be an object');
    assert.equal(malformed({ statusCode: 200, headers: { a: null } }), 'header a must be a string, number or boolean');
    assert.equal(malformed({ statusCode: 200, multiValueHeaders: 'x' }), 'multiValueHeaders must be an object');
    assert.equal(malformed({ statusCode: 200, multiValueHeaders: { a: 'x' } }), 'multiValueHeaders.a must be an array');
    assert.equal(malformed({ statusCode: 200, multiValueHeaders: { a: [{}] } }), 'multiValueHeaders.a must hold strings, numbers or booleans');
    assert.equal(malformed({ statusCode: 200, headers: { 'bad name': 'x' } }), 'header name "bad name" is not a valid HTTP header name');
  });
});

describe('httpApiResponse (payload 2.0)', () => {
  test('anything but an object with a statusCode is the JSON body of a 200', () => {
    for (const payload of ['Hello', 42, null, [1, 2], { message: 'no status' }]) {
      const result = answer(http2(payload));
      assert.equal(result.statusCode, 200);
      assert.deepEqual(result.headers, [['content-type', 'application/json']]);
      assert.equal(result.body.toString('utf8'), JSON.stringify(payload), 'sent as its JSON text: a string keeps its quotes');
    }
  });

  test('a response object: status, headers, cookies as Set-Cookie, JSON content type by default', () => {
    const result = answer(http2({ statusCode: 302, headers: { Location: '/next', 'X-N': 1 }, cookies: ['a=1; Path=/', 'b=2'], body: 'moved' }));
    assert.equal(result.statusCode, 302);
    assert.deepEqual(result.headers, [['Location', '/next'], ['X-N', '1'], ['set-cookie', 'a=1; Path=/'], ['set-cookie', 'b=2'], ['content-type', 'application/json']]);
    assert.equal(result.body.toString('utf8'), 'moved');
  });

  test("the function's content type is kept; a base64 body is decoded when asked; no body is an empty one", () => {
    const result = answer(http2({ statusCode: 200, headers: { 'CONTENT-TYPE': 'image/gif' }, body: Buffer.from([1, 2, 255]).toString('base64'), isBase64Encoded: true }));
    assert.deepEqual(result.headers, [['CONTENT-TYPE', 'image/gif']]);
    assert.deepEqual(result.body, Buffer.from([1, 2, 255]));
    assert.equal(answer(http2({ statusCode: 204, headers: null })).body.length, 0);
    assert.equal(answer(http2({ statusCode: 200, body: null })).body.length, 0, 'a null body is no body');
    assert.deepEqual(answer(http2({ statusCode: 200 })).headers, [['content-type', 'application/json']], 'no headers at all: JSON');
    assert.equal(answer(http2({ statusCode: 200, body: 'aGk=' })).body.toString('utf8'), 'aGk=', 'base64 only when isBase64Encoded is true');
  });

  test('what an HTTP API refuses, with the reason', () => {
    const malformed = (payload: unknown) => {
      const result = http2(payload);
      assert.ok('malformed' in result, `expected malformed: ${JSON.stringify(payload)}`);
      return result.malformed;
    };
    assert.equal(malformed({ statusCode: 99 }), 'statusCode must be an integer HTTP status, got 99');
    assert.equal(malformed({ statusCode: 200.5 }), 'statusCode must be an integer HTTP status, got 200.5');
    assert.equal(malformed({ statusCode: 600 }), 'statusCode must be an integer HTTP status, got 600');
    assert.equal(malformed({ statusCode: 200, body: 7 }), 'body must be a string, got number');
    assert.equal(malformed({ statusCode: 200, headers: [] }), 'headers must be an object');
    assert.equal(malformed({ statusCode: 200, headers: { a: [1] } }), 'header a must be a string, number or boolean');
    assert.equal(malformed({ statusCode: 200, cookies: 'a=1' }), 'cookies must be an array of strings');
    assert.equal(malformed({ statusCode: 200, cookies: ['a=1', 2] }), 'cookies must be an array of strings');
    assert.equal(malformed({ statusCode: 200, headers: { a: 'x\r\ny: 1' } }), 'header a has a control character in its value');
  });

  test('the edges of the status range are answers: 200 and 599', () => {
    assert.equal(answer(http2({ statusCode: 200 })).statusCode, 200);
    assert.equal(answer(http2({ statusCode: 599 })).statusCode, 599);
  });
});
