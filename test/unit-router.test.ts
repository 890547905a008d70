// API Gateway's route selection beyond the basics in serve-router.test.ts: order, edges and parameters.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Router, type Route } from '../src/http/router.js';

const route = (method: string, path: string, functionName = `${method} ${path}`): Route => ({
  api: 'rest',
  method,
  path,
  payloadFormat: '1.0',
  stage: 'Prod',
  binaryMediaTypes: [],
  functionName,
});

const target = (router: Router, method: string, path: string): string | undefined => router.match(method, path)?.route.functionName;

describe('Router: which route wins', () => {
  test('routes are tried most specific first, whatever order the template lists them in', () => {
    const routes = [route('ANY', '$default'), route('ANY', '/{proxy+}'), route('GET', '/a/{id}'), route('ANY', '/a/{id}'), route('GET', '/a/b'), route('GET', '/a')];
    const router = new Router(routes);
    assert.deepEqual(
      router.routes.map((r) => r.functionName),
      ['GET /a/b', 'GET /a/{id}', 'ANY /a/{id}', 'GET /a', 'ANY /{proxy+}', 'ANY $default'],
    );
    assert.deepEqual(new Router([...routes].reverse()).routes.map((r) => r.functionName), router.routes.map((r) => r.functionName));
  });

  test('$default comes after every route, even a root route of equal rank listed after it', () => {
    const router = new Router([route('ANY', '$default'), route('ANY', '/')]);
    assert.equal(target(router, 'GET', '/'), 'ANY /');
    assert.equal(target(router, 'GET', '/x'), 'ANY $default');
    assert.deepEqual(router.routes.map((r) => r.functionName), ['ANY /', 'ANY $default']);
  });

  test('an exact method beats ANY on the same path whatever the order, among other routes', () => {
    const routes = [route('ANY', '/a/{id}'), route('GET', '/b'), route('GET', '/a/{id}'), route('ANY', '/c'), route('DELETE', '/a/{id}'), route('POST', '/c')];
    for (const order of [routes, [...routes].reverse(), [routes[1], routes[3], routes[0], routes[5], routes[2], routes[4]]]) {
      const router = new Router(order as Route[]);
      assert.equal(target(router, 'GET', '/a/1'), 'GET /a/{id}');
      assert.equal(target(router, 'DELETE', '/a/1'), 'DELETE /a/{id}');
      assert.equal(target(router, 'PUT', '/a/1'), 'ANY /a/{id}');
      assert.equal(target(router, 'POST', '/c'), 'POST /c');
      assert.equal(target(router, 'PATCH', '/c'), 'ANY /c');
    }
  });

  test('a literal later in the path beats a parameter there', () => {
    const router = new Router([route('GET', '/a/{x}/c'), route('GET', '/a/{x}/{y}')]);
    assert.equal(target(router, 'GET', '/a/1/c'), 'GET /a/{x}/c');
    assert.equal(target(router, 'GET', '/a/1/d'), 'GET /a/{x}/{y}');
  });

  test('a literal beats a greedy parameter at the same place; the greedy one takes the rest', () => {
    const router = new Router([route('GET', '/{proxy+}'), route('GET', '/files/{path+}'), route('GET', '/files/readme')]);
    assert.equal(target(router, 'GET', '/files/readme'), 'GET /files/readme');
    assert.equal(target(router, 'GET', '/files/a/b/c'), 'GET /files/{path+}');
    assert.deepEqual(router.match('GET', '/files/a/b/c')?.pathParameters, { path: 'a/b/c' });
    assert.equal(target(router, 'GET', '/files'), 'GET /{proxy+}', '{path+} needs at least one segment after /files');
  });

  test('ANY stands for GET, DELETE, PUT, POST, HEAD, OPTIONS and PATCH; an exact method wins over it', () => {
    const router = new Router([route('ANY', '/r'), route('POST', '/r')]);
    for (const method of ['GET', 'DELETE', 'PUT', 'HEAD', 'OPTIONS', 'PATCH']) assert.equal(target(router, method, '/r'), 'ANY /r', method);
    assert.equal(target(new Router([route('ANY', '/r')]), 'POST', '/r'), 'ANY /r');
    assert.equal(target(router, 'POST', '/r'), 'POST /r');
    assert.equal(target(router, 'TRACE', '/r'), undefined);
    assert.equal(target(new Router([route('POST', '/r')]), 'GET', '/r'), undefined, 'a method route answers only its method');
  });
});

describe('Router: matching paths', () => {
  test('empty segments and a trailing slash do not count; the root path matches only /', () => {
    const router = new Router([route('GET', '/'), route('GET', '/a/b')]);
    assert.equal(target(router, 'GET', '/a//b/'), 'GET /a/b');
    assert.equal(target(router, 'GET', '/'), 'GET /');
    assert.equal(target(router, 'GET', '/a'), undefined, 'a shorter path does not match');
    assert.equal(target(router, 'GET', '/a/b/c'), undefined, 'a longer path does not match');
    assert.equal(router.match('GET', '/')?.pathParameters, null);
    assert.equal(router.match('GET', '/')?.routeKey, 'GET /');
  });

  test('parameters are captured still percent-encoded, by name', () => {
    const router = new Router([route('GET', '/users/{userId}/posts/{postId}')]);
    assert.deepEqual(router.match('GET', '/users/a%20b/posts/7'), {
      route: route('GET', '/users/{userId}/posts/{postId}'),
      pathParameters: { userId: 'a%20b', postId: '7' },
      routeKey: 'GET /users/{userId}/posts/{postId}',
    });
  });

  test('literal segments are case-sensitive', () => {
    const router = new Router([route('GET', '/Items')]);
    assert.equal(target(router, 'GET', '/Items'), 'GET /Items');
    assert.equal(target(router, 'GET', '/items'), undefined);
  });

  test('$default answers any method and path nothing else matched, with no parameters', () => {
    const router = new Router([route('GET', '/a'), route('ANY', '$default')]);
    assert.deepEqual(router.match('PROPFIND', '/a'), { route: route('ANY', '$default'), pathParameters: null, routeKey: '$default' });
    assert.equal(target(router, 'GET', '/a'), 'GET /a');
  });
});
