// CORS in emu serve as each product applies it (docs/cors.md): HTTP APIs and Function URLs answer
// preflights themselves and replace a function's CORS headers with their own; a REST API's Cors is the
// OPTIONS mock SAM adds, and its other responses carry only what the function set. Real HTTP, real CLI.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertNoProcessLeft, REPO_ROOT } from './helpers.js';
import { send, startServe, type RunningServe } from './serve-helpers.js';

const TEMPLATE = path.join(REPO_ROOT, 'test', 'fixtures', 'serve-cors', 'template.yaml');
const PAGE = 'http://127.0.0.1:5555';
const preflight = (origin: string, method: string): string[] => ['Origin', origin, 'Access-Control-Request-Method', method];
const corsHeaders = (headers: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('access-control-')));

describe('a template with CORS on each product', () => {
  let serve: RunningServe;
  before(async () => {
    serve = await startServe(['--template', TEMPLATE, '--no-credentials', '--parameter-overrides', `PageOrigin=${PAGE}`]);
  });
  after(async () => {
    await serve.stop();
    assertNoProcessLeft();
  });

  test('HTTP API: the preflight is the gateway\'s 204 with the configured headers, on a path and method no route has too', async () => {
    for (const [route, method] of [['/open/a', 'PUT'], ['/nowhere', 'DELETE']] as const) {
      const response = await send(`${serve.url}${route}`, { method: 'OPTIONS', headers: preflight(PAGE, method) });
      assert.equal(response.status, 204, route);
      assert.deepEqual(corsHeaders(response.headers), {
        'access-control-allow-origin': PAGE,
        'access-control-allow-methods': 'GET,PUT',
        'access-control-allow-headers': 'x-custom,content-type',
        'access-control-expose-headers': 'x-answer',
        'access-control-max-age': '60',
      });
      assert.equal(response.text, '');
    }
    assert.doesNotMatch(serve.stderr(), /OPTIONS \/open\/a 204 CorsFunction/, 'no function ran for a preflight');
  });

  test('HTTP API: an origin not allowed gets a preflight without CORS headers, and responses without them', async () => {
    const refused = await send(`${serve.url}/open/a`, { method: 'OPTIONS', headers: preflight('http://elsewhere.example', 'PUT') });
    assert.equal(refused.status, 204);
    assert.deepEqual(corsHeaders(refused.headers), {});
    const answered = await send(`${serve.url}/open/a`, { headers: ['Origin', 'http://elsewhere.example'] });
    assert.equal(answered.status, 200);
    assert.deepEqual(corsHeaders(answered.headers), {}, "the function's own CORS headers are dropped too");
  });

  test("HTTP API: a response to an allowed Origin carries the API's headers, never the function's", async () => {
    const response = await send(`${serve.url}/open/a`, { headers: ['Origin', PAGE] });
    assert.equal(response.status, 200);
    assert.equal(response.headers['x-answer'], 'answered GET');
    assert.deepEqual(corsHeaders(response.headers), { 'access-control-allow-origin': PAGE, 'access-control-expose-headers': 'x-answer' });
    const noOrigin = await send(`${serve.url}/open/a`);
    assert.deepEqual(corsHeaders(noOrigin.headers), {}, 'no Origin, no CORS headers: the function\'s are still dropped');
  });

  test('an HTTP API without CorsConfiguration: a preflight reaches the function, whose headers pass', async () => {
    const response = await send(`${serve.url}/closed`, { method: 'OPTIONS', headers: preflight(PAGE, 'PUT') });
    assert.equal(response.status, 200);
    assert.deepEqual(response.json(), { method: 'OPTIONS', path: '/closed' });
    assert.equal(response.headers['access-control-allow-origin'], 'https://function.example');
  });

  test("REST API: SAM's OPTIONS mock answers 200 with the values as written and the path's methods, with or without Origin", async () => {
    for (const headers of [[], preflight('http://elsewhere.example', 'PUT')]) {
      const response = await send(`${serve.url}/rest/a`, { method: 'OPTIONS', headers });
      assert.equal(response.status, 200);
      assert.deepEqual(corsHeaders(response.headers), {
        'access-control-allow-origin': PAGE,
        'access-control-allow-methods': 'GET,OPTIONS,PUT',
        'access-control-allow-headers': 'x-custom,content-type',
        'access-control-max-age': '30',
      });
    }
  });

  test("REST API: other responses carry the function's CORS headers only", async () => {
    const response = await send(`${serve.url}/rest/a?allow=${encodeURIComponent(PAGE)}`, { headers: ['Origin', PAGE] });
    assert.equal(response.status, 200);
    assert.deepEqual(corsHeaders(response.headers), { 'access-control-allow-origin': PAGE, 'access-control-max-age': '999' });
  });

  test("Function URL: its own preflight and headers, from FunctionUrlConfig.Cors", async () => {
    const url = serve.functionUrls[0]?.url as string;
    const response = await send(`${url}/anything`, { method: 'OPTIONS', headers: preflight(PAGE, 'DELETE') });
    assert.equal(response.status, 204);
    assert.deepEqual(corsHeaders(response.headers), { 'access-control-allow-origin': PAGE, 'access-control-allow-methods': 'DELETE', 'access-control-expose-headers': 'x-answer' });
    const answered = await send(`${url}/anything`, { headers: ['Origin', PAGE] });
    assert.deepEqual(corsHeaders(answered.headers), { 'access-control-allow-origin': PAGE, 'access-control-expose-headers': 'x-answer' });
  });
});

describe('the template forms', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'emu-cors-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test("Globals.Api.Cors as one quoted string (the origin), CorsConfiguration: true (everything), AllowCredentials echoing the origin", async () => {
    writeFileSync(path.join(scratch, 'answer.mjs'), "export const handler = async () => ({ statusCode: 200, body: 'ok' });\n");
    writeFileSync(
      path.join(scratch, 'template.yaml'),
      [
        'Transform: AWS::Serverless-2016-10-31',
        'Globals:',
        '  Api:',
        "    Cors: \"'https://app.example'\"",
        'Resources:',
        '  Everything:',
        '    Type: AWS::Serverless::HttpApi',
        '    Properties:',
        '      CorsConfiguration: true',
        '  Credentialed:',
        '    Type: AWS::Serverless::HttpApi',
        '    Properties:',
        '      CorsConfiguration:',
        "        AllowOrigins: ['*']",
        '        AllowCredentials: true',
        '  Fn:',
        '    Type: AWS::Serverless::Function',
        '    Properties:',
        '      CodeUri: .',
        '      Handler: answer.handler',
        '      Runtime: nodejs20.x',
        '      Events:',
        '        Rest: { Type: Api, Properties: { Path: /rest, Method: GET } }',
        '        Open: { Type: HttpApi, Properties: { ApiId: !Ref Everything, Path: /open, Method: GET } }',
        '        Creds: { Type: HttpApi, Properties: { ApiId: !Ref Credentialed, Path: /creds, Method: GET } }',
        '',
      ].join('\n'),
    );
    const serve = await startServe(['--template', path.join(scratch, 'template.yaml'), '--no-credentials']);
    try {
      const rest = await send(`${serve.url}/rest`, { method: 'OPTIONS' });
      assert.equal(rest.headers['access-control-allow-origin'], 'https://app.example');
      assert.equal(rest.headers['access-control-allow-methods'], 'GET,OPTIONS');
      const open = await send(`${serve.url}/open`, { method: 'OPTIONS', headers: preflight('http://any.example', 'PATCH') });
      assert.deepEqual(corsHeaders(open.headers), { 'access-control-allow-origin': '*', 'access-control-allow-methods': '*', 'access-control-allow-headers': '*' });
      const creds = await send(`${serve.url}/creds`, { headers: ['Origin', 'http://any.example'] });
      assert.deepEqual(corsHeaders(creds.headers), { 'access-control-allow-origin': 'http://any.example', 'access-control-allow-credentials': 'true' });
    } finally {
      await serve.stop();
    }
    assertNoProcessLeft();
  });
});
