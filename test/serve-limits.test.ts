// `emu serve`'s request limits at their boundaries: header bytes, the headers and whole-request timeouts
// (shortened through their test overrides; the defaults read from the values the server uses), the 6 MiB
// limit on the event a request becomes, and Event invocations, which answer 202 and still run.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HEADERS_TIMEOUT_MS, headersTimeoutMs, MAX_HEADER_BYTES, MAX_SYNC_REQUEST_BYTES, REQUEST_TIMEOUT_MS, requestTimeoutMs } from '../src/http/limits.js';
import { assertNoProcessLeft, eventually } from './helpers.js';
import { parseRawResponse, rawExchange } from './raw-http.js';
import { send, SERVE_FIXTURES, startServe, type RunningServe } from './serve-helpers.js';

const API = `${SERVE_FIXTURES}/api`;
const SHORT_HEADERS_TIMEOUT_MS = 2000;
const SHORT_REQUEST_TIMEOUT_MS = 3000;
const scratch = mkdtempSync(path.join(tmpdir(), 'emu-serve-limits-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('the limits are the documented ones, and the overrides replace only the timeouts', () => {
  assert.equal(MAX_HEADER_BYTES, 10_240, "API Gateway's 10,240 bytes");
  assert.equal(MAX_SYNC_REQUEST_BYTES, 6 * 1024 * 1024, "Lambda's 6 MiB");
  assert.equal(REQUEST_TIMEOUT_MS, 60_000);
  assert.equal(HEADERS_TIMEOUT_MS, 10_000);
  // What the server is configured with when no override is set (serve-server calls these).
  assert.equal(requestTimeoutMs({}), 60_000);
  assert.equal(headersTimeoutMs({}), 10_000);
  assert.equal(requestTimeoutMs({ EMU_SERVE_REQUEST_TIMEOUT_MS: '1234' }), 1234);
  assert.equal(headersTimeoutMs({ EMU_SERVE_HEADERS_TIMEOUT_MS: '1234' }), 1234);
  assert.equal(requestTimeoutMs({ EMU_SERVE_REQUEST_TIMEOUT_MS: 'soon' }), 60_000, 'a bad override is ignored');
});

describe('emu serve: limits at their boundaries', () => {
  let serve: RunningServe;
  before(async () => {
    const env = { EMU_SERVE_HEADERS_TIMEOUT_MS: String(SHORT_HEADERS_TIMEOUT_MS), EMU_SERVE_REQUEST_TIMEOUT_MS: String(SHORT_REQUEST_TIMEOUT_MS) };
    serve = await startServe(['echo.handler', '--code-dir', API, '--function-name', 'echo'], { env });
  });
  after(async () => {
    await serve.stop();
    assertNoProcessLeft();
  });

  test('header bytes: one byte under MAX_HEADER_BYTES is answered, MAX_HEADER_BYTES itself gets 431', async () => {
    const { host } = new URL(serve.url);
    const target = '/headers';
    // Node counts the target, each header name and each value; rawExchange adds Host and Connection: close.
    const counted = (pad: number): number => target.length + 'Host'.length + host.length + 'Connection'.length + 'close'.length + 'X-Pad'.length + pad;
    const padFor = (bytes: number): number => bytes - counted(0);
    const status = async (bytes: number): Promise<number> => {
      const pad = padFor(bytes);
      assert.equal(counted(pad), bytes);
      return parseRawResponse(await rawExchange(serve.url, { method: 'GET', target, headers: [['X-Pad', 'p'.repeat(pad)]] }), { requestMethod: 'GET' }).status;
    };
    assert.equal(await status(MAX_HEADER_BYTES - 1), 200);
    assert.equal(await status(MAX_HEADER_BYTES), 431);
    assert.equal(await status(10_239), 200, 'the boundary is 10,240 bytes, not more');
    assert.equal(await status(10_240), 431);
  });

  test('a body sent too slowly is cut off at the request timeout (shortened to 3 s), with 408 or a closed connection', async () => {
    const { hostname, port } = new URL(serve.url);
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
    const started = performance.now();
    socket.write(`POST /slow-body HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nonly ten b`);
    // Headers are complete, so only the request timeout can end it; far sooner than the 60 s default.
    const outcome = await Promise.race([closed, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 20_000).unref())]);
    socket.destroy();
    assert.notEqual(outcome, 'open', 'still open 20 s later: the request timeout override was not applied');
    assert.ok((outcome as number) - started >= SHORT_REQUEST_TIMEOUT_MS / 2, `cut off after ${Math.round((outcome as number) - started)} ms, before the request timeout`);
    assert.ok(received === '' || received.startsWith('HTTP/1.1 408 '), JSON.stringify(received.slice(0, 80)));
  });

  test('headers sent too slowly are cut off at the headers timeout (shortened to 2 s)', async () => {
    const { hostname, port } = new URL(serve.url);
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1'))); // read, or the server's close is never seen
    socket.on('error', () => {});
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
    const started = performance.now();
    socket.write(`GET /slow-headers HTTP/1.1\r\nHost: ${hostname}\r\nX-Half: `);
    const outcome = await Promise.race([closed, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 20_000).unref())]);
    socket.destroy();
    assert.notEqual(outcome, 'open', 'still open 20 s later: the headers timeout override was not applied');
    assert.ok((outcome as number) - started >= SHORT_HEADERS_TIMEOUT_MS / 2, `cut off after ${Math.round((outcome as number) - started)} ms`);
    assert.ok(received === '' || received.startsWith('HTTP/1.1 408 '), JSON.stringify(received.slice(0, 80)));
  });

  test('a body under 6 MiB whose event grows past it (base64) gets 413, and the reason on stderr', async () => {
    const body = Buffer.alloc(5 * 1024 * 1024, 0xff); // not text: the 2.0 event carries it base64-encoded, 6.67 MiB
    const response = await send(`${serve.url}/grows`, { method: 'POST', headers: ['Content-Type', 'application/octet-stream'], body });
    assert.equal(response.status, 413, response.text);
    assert.deepEqual(response.json(), { message: 'Request Entity Too Large' });
    assert.ok(await eventually(() => /the event is larger than Lambda's 6291456-byte request limit/.test(serve.stderr())), serve.stderr());
    const fits = await send(`${serve.url}/fits`, { method: 'POST', headers: ['Content-Type', 'application/octet-stream'], body: body.subarray(0, 4 * 1024 * 1024) });
    assert.equal(fits.status, 200, 'a body whose event stays under 6 MiB is invoked');
  });
});

describe('emu serve: an Event invocation', () => {
  let serve: RunningServe;
  before(async () => (serve = await startServe(['touch.handler', '--code-dir', API, '--function-name', 'touch'])));
  after(() => serve.stop());

  test('answers 202 at once and still runs the function: its side effect happens', async () => {
    const file = path.join(scratch, 'event-ran.txt');
    const payload = JSON.stringify({ file, text: 'ran as an Event invocation' });
    const response = await send(`${serve.url}/2015-03-31/functions/touch/invocations`, { method: 'POST', headers: ['X-Amz-Invocation-Type', 'Event'], body: payload });
    assert.equal(response.status, 202, response.text);
    assert.ok(await eventually(() => existsSync(file), 30_000), `the function never ran: ${serve.stderr()}`);
    assert.ok(await eventually(() => readFileSync(file, 'utf8') === 'ran as an Event invocation', 5000));
  });
});
