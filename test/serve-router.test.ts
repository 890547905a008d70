// API Gateway's route selection, without a server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Router, type Route } from '../src/http/router.js';

const route = (method: string, path: string, functionName: string): Route => ({
  api: 'http',
  method,
  path,
  payloadFormat: '2.0',
  stage: '$default',
  binaryMediaTypes: [],
  functionName,
});

const router = new Router([
  route('ANY', '$default', 'fallback'),
  route('ANY', '/{proxy+}', 'greedy'),
  route('ANY', '/items/{id}', 'any-item'),
  route('GET', '/items/{id}', 'get-item'),
  route('GET', '/items/special', 'special'),
  route('GET', '/items/{id}/tags/{tag+}', 'tags'),
]);

test('the most specific route wins: literal > {param} > {proxy+}, exact method > ANY, $default last', () => {
  const target = (method: string, path: string) => router.match(method, path)?.route.functionName;
  assert.equal(target('GET', '/items/special'), 'special');
  assert.equal(target('GET', '/items/7'), 'get-item');
  assert.equal(target('PUT', '/items/7'), 'any-item');
  assert.equal(target('GET', '/items/7/tags/a/b'), 'tags');
  assert.equal(target('GET', '/other/path'), 'greedy');
  assert.equal(target('GET', '/'), 'fallback', '{proxy+} needs at least one segment');
  assert.equal(target('PROPFIND', '/items/7'), 'fallback', 'ANY means the seven API Gateway methods');
});

test('path parameters and route keys', () => {
  assert.deepEqual(router.match('GET', '/items/7/tags/a/b'), {
    route: route('GET', '/items/{id}/tags/{tag+}', 'tags'),
    pathParameters: { id: '7', tag: 'a/b' },
    routeKey: 'GET /items/{id}/tags/{tag+}',
  });
  assert.equal(router.match('GET', '/items/special')?.pathParameters, null);
  assert.equal(router.match('PROPFIND', '/x')?.routeKey, '$default');
  assert.equal(new Router([route('GET', '/a', 'a')]).match('GET', '/b'), null);
});
