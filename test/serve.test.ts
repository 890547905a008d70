// `emu serve` as a user runs it: a real server process, real HTTP requests, API Gateway's event shapes field by field.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from './helpers.js';
import { echoedEvent, send, SERVE_FIXTURES, startServe, type RunningServe } from './serve-helpers.js';

const ECHO = ['echo.handler', '--code-dir', `${SERVE_FIXTURES}/api`];

describe('emu serve <handler>: payload 2.0 (an HTTP API $default route)', () => {
  let serve: RunningServe;
  before(async () => (serve = await startServe([...ECHO, '--function-name', 'echo'])));
  after(() => serve.stop());

  test('a GET becomes the 2.0 event: raw path and query, cookies, lower-case headers with repeats comma-joined', async () => {
    const event = await echoedEvent(`${serve.url}/shop/items?tag=a&tag=b&q=two%20words`, {
      headers: ['X-Custom', 'one', 'x-custom', 'two', 'Cookie', 'a=1; b=2', 'User-Agent', 'emu-test'],
    });
    assert.equal(event.at('version'), '2.0');
    assert.equal(event.at('routeKey'), '$default');
    assert.equal(event.at('rawPath'), '/shop/items');
    assert.equal(event.at('rawQueryString'), 'tag=a&tag=b&q=two%20words');
    assert.deepEqual(event.at('cookies'), ['a=1', 'b=2']);
    assert.equal(event.at('headers.x-custom'), 'one,two');
    assert.equal(event.at('headers.cookie'), undefined, 'cookies leave the headers');
    assert.equal(event.at('headers.user-agent'), 'emu-test');
    assert.deepEqual(event.at('queryStringParameters'), { tag: 'a,b', q: 'two words' });
    assert.equal(event.at('pathParameters'), undefined);
    assert.equal(event.at('body'), undefined);
    assert.equal(event.at('isBase64Encoded'), false);
    assert.equal(event.at('requestContext.http.method'), 'GET');
    assert.equal(event.at('requestContext.http.path'), '/shop/items');
    assert.equal(event.at('requestContext.http.protocol'), 'HTTP/1.1');
    assert.equal(event.at('requestContext.http.sourceIp'), '127.0.0.1');
    assert.equal(event.at('requestContext.http.userAgent'), 'emu-test');
    assert.equal(event.at('requestContext.stage'), '$default');
    assert.equal(event.at('requestContext.routeKey'), '$default');
    assert.equal(event.at('requestContext.accountId'), '123456789012');
    assert.match(String(event.at('requestContext.time')), /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    assert.ok(Math.abs(Number(event.at('requestContext.timeEpoch')) - Date.now()) < 60_000);
    assert.equal(typeof event.at('requestContext.requestId'), 'string');
  });

  test('a JSON body travels as text; a binary or form body base64-encoded with isBase64Encoded', async () => {
    const json = await echoedEvent(serve.url, { method: 'POST', headers: ['Content-Type', 'application/json'], body: '{"a":1}' });
    assert.equal(json.at('body'), '{"a":1}');
    assert.equal(json.at('isBase64Encoded'), false);
    const bytes = Buffer.from([0, 1, 2, 254, 255]);
    const binary = await echoedEvent(serve.url, { method: 'PUT', headers: ['Content-Type', 'application/octet-stream'], body: bytes });
    assert.equal(binary.at('body'), bytes.toString('base64'));
    assert.equal(binary.at('isBase64Encoded'), true);
    const form = await echoedEvent(serve.url, { method: 'POST', headers: ['Content-Type', 'application/x-www-form-urlencoded'], body: 'a=1' });
    assert.equal(form.at('body'), Buffer.from('a=1').toString('base64'));
  });

  test('one request line per request on stderr: method, path, status, function, duration, cold or warm', async () => {
    await send(`${serve.url}/logged`);
    assert.ok(await eventually(() => /^GET \/logged 200 echo \d+\.\d ms (cold|warm)$/m.test(serve.stderr())), serve.stderr());
    assert.match(serve.stderr(), /^emu serve: listening on http:\/\/127\.0\.0\.1:\d+ /m);
  });
});

describe('emu serve <handler> --payload-format 1.0 (a REST API ANY /{proxy+})', () => {
  let serve: RunningServe;
  before(async () => (serve = await startServe([...ECHO, '--payload-format', '1.0'])));
  after(() => serve.stop());

  test('the 1.0 event: client header casing, multi-value maps, greedy proxy parameter, stage in the context path', async () => {
    const event = await echoedEvent(`${serve.url}/a/b%20c?x=1&x=2&y=3`, { headers: ['X-Custom', 'one', 'X-Custom', 'two'] });
    assert.equal(event.at('resource'), '/{proxy+}');
    assert.equal(event.at('path'), '/a/b%20c');
    assert.equal(event.at('httpMethod'), 'GET');
    assert.equal(event.at('headers.X-Custom'), 'two');
    assert.deepEqual(event.at('multiValueHeaders.X-Custom'), ['one', 'two']);
    assert.deepEqual(event.at('queryStringParameters'), { x: '2', y: '3' });
    assert.deepEqual(event.at('multiValueQueryStringParameters'), { x: ['1', '2'], y: ['3'] });
    assert.deepEqual(event.at('pathParameters'), { proxy: 'a/b%20c' });
    assert.equal(event.at('stageVariables'), null);
    assert.equal(event.at('body'), null);
    assert.equal(event.at('isBase64Encoded'), false);
    assert.equal(event.at('version'), undefined, 'REST payloads carry no version');
    assert.equal(event.at('requestContext.resourcePath'), '/{proxy+}');
    assert.equal(event.at('requestContext.httpMethod'), 'GET');
    assert.equal(event.at('requestContext.stage'), 'Prod');
    assert.equal(event.at('requestContext.path'), '/Prod/a/b%20c');
    assert.equal(event.at('requestContext.identity.sourceIp'), '127.0.0.1');
    assert.equal(event.at('requestContext.protocol'), 'HTTP/1.1');
    assert.match(String(event.at('requestContext.requestId')), /^[0-9a-f-]{36}$/);
    assert.match(String(event.at('requestContext.requestTime')), /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    assert.equal(typeof event.at('requestContext.requestTimeEpoch'), 'number');
  });

  test('the root path is resource / with null path parameters and null query maps', async () => {
    const event = await echoedEvent(`${serve.url}/`);
    assert.equal(event.at('resource'), '/');
    assert.equal(event.at('pathParameters'), null);
    assert.equal(event.at('queryStringParameters'), null);
    assert.equal(event.at('multiValueQueryStringParameters'), null);
  });
});

describe('emu serve: usage errors exit 2 with one line', () => {
  test('a handler and a template together, or a bad payload format', async () => {
    const { spawnSync } = await import('node:child_process');
    const { EMU } = await import('./serve-helpers.js');
    for (const args of [['x.handler', '--template', 't.yaml'], ['x.handler', '--payload-format', '3.0'], ['--template', `${SERVE_FIXTURES}/template.yaml`, '--code-dir', '.']]) {
      const run = spawnSync(process.execPath, [EMU, 'serve', ...args], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /^emu: .+\n$/);
    }
  });
});
