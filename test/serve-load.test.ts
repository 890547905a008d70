// `emu serve` under hostile load, on raw sockets to 127.0.0.1: 1,000 idle connections, a client that
// sends its headers one byte at a time, oversized headers, a body past 6 MiB sent slowly. Other clients
// keep being answered, the timeouts and limits apply, and emu's fds and memory come back near baseline.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertNoProcessLeft, eventually } from './helpers.js';
import { parseRawResponse, rawExchange } from './raw-http.js';
import { SERVE_FIXTURES, startServe, type RunningServe } from './serve-helpers.js';

/** emu's headers timeout is 10 s; this file shortens it (EMU_SERVE_HEADERS_TIMEOUT_MS) rather than wait. */
// Long enough to open 1,000 connections on a loaded machine before the first ones time out.
const HEADERS_TIMEOUT_MS = 5000;
const IDLE_CONNECTIONS = 1000;
const MIB = 1024 * 1024;
/** Generous on purpose: this catches growth without bound (a leaked connection each, a body kept whole), not overhead. */
const FD_SLACK = 10;
const RSS_SLACK_BYTES = 96 * MIB;

const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/** The fd count once the server has closed the connection that just asked (closes are asynchronous): unchanged for 300 ms. */
async function settledFdCount(pid: number): Promise<number> {
  let last = fdCount(pid);
  for (let stable = 0; stable < 3; ) {
    await sleep(100);
    const now = fdCount(pid);
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}
const rssBytes = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A normal client: one GET on its own connection; resolves with its status, or fails after timeoutMs. */
async function ping(url: string, timeoutMs = 5000): Promise<number> {
  const bytes = await rawExchange(url, { method: 'GET', target: '/ping', headers: [] }, timeoutMs);
  return parseRawResponse(bytes, { requestMethod: 'GET' }).status;
}

/** A connection's lifetime as the client sees it: what the server sent, and when it closed. */
function watch(socket: Socket): { received: () => Buffer; closed: Promise<number> } {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {}); // a reset after the server's answer is expected here
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
  return { received: () => Buffer.concat(chunks), closed };
}

describe('emu serve under load', () => {
  let serve: RunningServe;
  let baseline: { fds: number; rssBytes: number };
  before(async () => {
    serve = await startServe(['echo.handler', '--code-dir', `${SERVE_FIXTURES}/api`], { env: { EMU_SERVE_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) } });
    assert.equal(await ping(serve.url, 15_000), 200); // the sandbox is up and warm before the baseline
    baseline = { fds: await settledFdCount(serve.pid), rssBytes: rssBytes(serve.pid) };
  });
  after(async () => {
    await serve.stop();
    assertNoProcessLeft();
  });

  test(`${IDLE_CONNECTIONS} idle connections held open: a normal request is answered, then the idle ones are closed`, async () => {
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < IDLE_CONNECTIONS; i += 100) sockets.push(...(await Promise.all(Array.from({ length: 100 }, () => open(serve.url)))));
      const closed = sockets.map((socket) => watch(socket).closed);
      assert.ok(await eventually(() => fdCount(serve.pid) >= baseline.fds + IDLE_CONNECTIONS, HEADERS_TIMEOUT_MS / 2), `emu holds ${fdCount(serve.pid) - baseline.fds} extra fds`);
      assert.equal(await ping(serve.url), 200);
      assert.equal(sockets.filter((socket) => socket.readableEnded || socket.destroyed).length, 0, 'every idle connection was still open when the request was answered');
      // An idle connection has not sent its headers either: the headers timeout ends it.
      const settled = await Promise.race([Promise.all(closed).then(() => true), sleep(HEADERS_TIMEOUT_MS + 10_000).then(() => false)]);
      assert.ok(settled, `${sockets.filter((s) => !s.destroyed && !s.readableEnded).length} idle connections still open`);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  test('a client sending its headers one byte at a time holds no one else up, and the headers timeout cuts it off', async () => {
    const socket = await open(serve.url);
    const connection = watch(socket);
    const started = performance.now();
    let ended = false;
    void connection.closed.then(() => (ended = true));
    const request = Buffer.from(`GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'a'.repeat(4000)}\r\n\r\n`);
    const dribble = (async () => {
      for (let i = 0; i < request.length && !ended; i++) {
        socket.write(request.subarray(i, i + 1));
        await sleep(50 + Math.floor(Math.random() * 50));
      }
    })();
    for (let i = 0; i < 5; i++) {
      const asked = performance.now();
      assert.equal(await ping(serve.url), 200);
      assert.ok(performance.now() - asked < 5000, 'a normal request waited on the slow client');
    }
    const closedAt = await Promise.race([connection.closed, sleep(HEADERS_TIMEOUT_MS + 10_000).then(() => Number.NaN)]);
    socket.destroy();
    await dribble;
    assert.ok(!Number.isNaN(closedAt), 'the slow client was never cut off');
    assert.ok(closedAt - started >= HEADERS_TIMEOUT_MS * 0.5, 'cut off long before the headers timeout');
    const answer = connection.received().toString('latin1');
    assert.ok(answer === '' || answer.startsWith('HTTP/1.1 408 '), `a slow client gets 408 or a closed connection, got ${JSON.stringify(answer.slice(0, 80))}`);
  });

  test("headers past API Gateway's 10,240 bytes get 431; just under them, an answer", async () => {
    const big = await rawExchange(serve.url, { method: 'GET', target: '/big', headers: [['X-Big', 'b'.repeat(12_000)]] });
    assert.equal(parseRawResponse(big, { requestMethod: 'GET' }).status, 431);
    const fits = await rawExchange(serve.url, { method: 'GET', target: '/fits', headers: [['X-Big', 'b'.repeat(9_000)]] });
    assert.equal(parseRawResponse(fits, { requestMethod: 'GET' }).status, 200);
  });

  test('a body declared over 6 MiB is refused at once, with the Invoke API shape on the Invoke API', async () => {
    for (const [target, type] of [['/upload', undefined], ['/2015-03-31/functions/echo/invocations', 'RequestTooLargeException']] as const) {
      const socket = await open(serve.url);
      const connection = watch(socket);
      socket.write(`POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${7 * MIB}\r\n\r\n${'x'.repeat(1024)}`);
      await Promise.race([connection.closed, sleep(5000)]);
      socket.destroy();
      const response = parseRawResponse(connection.received(), { requestMethod: 'POST' });
      assert.equal(response.status, 413);
      assert.equal(response.header('x-amzn-errortype'), type);
    }
  });

  test('a body over 6 MiB sent slowly gets 413 before it is all sent, while others are answered and memory stays bounded', async () => {
    const socket = await open(serve.url);
    const connection = watch(socket);
    let ended = false;
    void connection.closed.then(() => (ended = true));
    const total = 40 * MIB;
    const chunk = Buffer.alloc(64 * 1024, 'z');
    let sent = 0;
    let sentWhenAnswered = Number.NaN;
    let peakRss = 0;
    socket.once('data', () => (sentWhenAnswered = sent));
    socket.write('POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n');
    const upload = (async () => {
      while (sent < total && !ended && Number.isNaN(sentWhenAnswered)) {
        // Backpressure is respected, so that `sent` is what emu could have read, give or take the socket buffers.
        if (!socket.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]))) await once(socket, 'drain');
        sent += chunk.length;
        peakRss = Math.max(peakRss, rssBytes(serve.pid));
        await sleep(4);
      }
    })();
    const pings: number[] = [];
    while (Number.isNaN(sentWhenAnswered) && !ended && pings.length < 50) pings.push(await ping(serve.url));
    await upload;
    await Promise.race([connection.closed, sleep(5000)]);
    socket.destroy();
    assert.ok(pings.length > 0 && pings.every((status) => status === 200), `others answered meanwhile: ${pings.join(' ')}`);
    const response = parseRawResponse(connection.received(), { requestMethod: 'POST' });
    assert.equal(response.status, 413);
    assert.deepEqual(JSON.parse(response.body.toString()), { message: 'Request Entity Too Large' });
    // Refused at 6 MiB (Lambda's limit), not API Gateway's 10 MB: no larger body can be invoked.
    assert.ok(sentWhenAnswered > 6 * MIB && sentWhenAnswered < 9 * MIB, `refused after ${(sentWhenAnswered / MIB).toFixed(2)} MiB of ${total / MIB}`);
    assert.ok(peakRss - baseline.rssBytes < RSS_SLACK_BYTES, `RSS grew by ${((peakRss - baseline.rssBytes) / MIB).toFixed(0)} MiB during the upload`);
  });

  test('once the clients are gone, emu is back near its baseline fds and memory', async () => {
    assert.equal(await ping(serve.url), 200);
    const settled = await eventually(() => fdCount(serve.pid) <= baseline.fds + FD_SLACK, 10_000);
    assert.ok(settled, `fds: ${fdCount(serve.pid)} now, ${baseline.fds} at baseline`);
    const grown = rssBytes(serve.pid) - baseline.rssBytes;
    assert.ok(grown < RSS_SLACK_BYTES, `RSS is ${(grown / MIB).toFixed(0)} MiB above baseline`);
  });
});
