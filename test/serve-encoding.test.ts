// Bodies through `emu serve`, both ways: when a request body reaches the event base64-encoded, and when a
// function's base64 body is decoded for the client. REST APIs (payload 1.0) decode and encode only their
// binaryMediaTypes; HTTP APIs (payload 2.0) encode every body that is not text and decode whenever asked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { echoedEvent, send, SERVE_FIXTURES, startServe, type RunningServe } from './serve-helpers.js';

const TEMPLATE = `${SERVE_FIXTURES}/template.yaml`; // REST routes with BinaryMediaTypes [image/png]; HTTP API routes
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255]);
const UTF8_BYTES = Buffer.from('plain bytes, valid UTF-8: é');

interface Case {
  contentType: string;
  body: Buffer;
  base64: boolean;
}

/** POSTs each body and checks the echoed event's body and isBase64Encoded. */
async function checkEvents(url: string, cases: Case[]): Promise<void> {
  for (const { contentType, body, base64 } of cases) {
    const event = await echoedEvent(url, { method: 'POST', headers: ['Content-Type', contentType], body });
    const what = `${contentType} to ${new URL(url).pathname}`;
    assert.equal(event.at('isBase64Encoded'), base64, what);
    assert.equal(event.at('body'), base64 ? body.toString('base64') : body.toString('utf8'), what);
  }
}

describe('emu serve: request bodies in the event', () => {
  let serve: RunningServe;
  before(async () => (serve = await startServe(['--template', TEMPLATE])));
  after(() => serve.stop());

  test('REST API: text stays text, any type outside binaryMediaTypes too; image/png (listed) arrives base64-encoded', async () => {
    await checkEvents(`${serve.url}/rest/upload`, [
      { contentType: 'text/plain', body: Buffer.from('some text'), base64: false },
      { contentType: 'application/json', body: Buffer.from('{"a":1}'), base64: false },
      { contentType: 'application/octet-stream', body: UTF8_BYTES, base64: false },
      { contentType: 'application/x-www-form-urlencoded', body: Buffer.from('a=1&b=2'), base64: false },
      { contentType: 'image/png', body: PNG, base64: true },
      { contentType: 'image/png', body: Buffer.from('text, but a binary media type'), base64: true },
    ]);
  });

  test('HTTP API (payload 2.0): text and JSON stay text; every other type is base64-encoded, UTF-8 or not', async () => {
    await checkEvents(`${serve.url}/users`, [
      { contentType: 'text/plain', body: Buffer.from('some text'), base64: false },
      { contentType: 'application/json', body: Buffer.from('{"a":1}'), base64: false },
      { contentType: 'application/octet-stream', body: UTF8_BYTES, base64: true },
      { contentType: 'application/x-www-form-urlencoded', body: Buffer.from('a=1&b=2'), base64: true },
      { contentType: 'image/png', body: PNG, base64: true },
    ]);
  });
});

describe('emu serve --payload-format 1.0 (a REST API with no binaryMediaTypes): request bodies', () => {
  let serve: RunningServe;
  before(async () => (serve = await startServe(['echo.handler', '--code-dir', `${SERVE_FIXTURES}/api`, '--payload-format', '1.0'])));
  after(() => serve.stop());

  test('every valid UTF-8 body stays text, whatever its type', async () => {
    await checkEvents(`${serve.url}/any`, [
      { contentType: 'text/plain', body: Buffer.from('some text'), base64: false },
      { contentType: 'application/octet-stream', body: UTF8_BYTES, base64: false },
      { contentType: 'image/png', body: Buffer.from('text in a png'), base64: false },
    ]);
  });
});

describe('emu serve: base64 bodies in function results', () => {
  let serve: RunningServe;
  before(async () => (serve = await startServe(['--template', TEMPLATE])));
  after(() => serve.stop());

  test('REST API: a base64 body marked isBase64Encoded is decoded for a binary media type only; text/plain goes out still encoded', async () => {
    const png = await send(`${serve.url}/rest-results?kind=binary`);
    assert.deepEqual([png.status, [...png.body]], [200, [0x89, 0x50, 0x4e, 0x47, 0, 255]], 'image/png is listed: decoded');
    const text = await send(`${serve.url}/rest-results?kind=base64-text`);
    assert.equal(text.status, 200);
    assert.equal(text.text, Buffer.from('hello, text').toString('base64'), 'text/plain is not listed: sent as the function gave it');
  });

  test('HTTP API: a body marked isBase64Encoded is always decoded', async () => {
    const text = await send(`${serve.url}/results?kind=base64-text`);
    assert.deepEqual([text.status, text.text], [200, 'hello, text']);
  });
});
