/**
 * Raw HTTP requests to the Runtime API for its fuzz test: generators whose every part (method,
 * target, escapes, headers, framing, body, where the bytes are cut) is mostly well-formed and
 * sometimes broken, the bytes they make, and a client that sends them on a bare socket.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import fc from 'fast-check';

export const LIMIT_BYTES = 6_291_556;
/** How long a request that gets no answer (a long poll, an unfinished body) is held before the client gives up. */
const NO_ANSWER_MS = 300;
/** A handler that never reads its body (a /next long poll sent one) stops the socket: the write is never done. */
const WRITE_LIMIT_MS = 5000;

export type Ending = 'wait' | 'end' | 'destroy' | 'reset';

/** Writes raw bytes on a fresh connection; resolves with what came back once the server closed it, or the client gave up. */
export function sendRaw(address: string, bytes: Buffer, ending: Ending): Promise<Buffer> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {}); // resets are among the cases
    const unwritten = setTimeout(() => socket.destroy(), WRITE_LIMIT_MS);
    socket.on('close', () => {
      clearTimeout(timer);
      clearTimeout(unwritten);
      resolve(Buffer.concat(chunks));
    });
    socket.write(bytes, () => {
      clearTimeout(unwritten);
      if (ending === 'end') socket.end();
      else if (ending === 'destroy') socket.destroy();
      else if (ending === 'reset') socket.resetAndDestroy();
      if (ending === 'wait' || ending === 'end') timer = setTimeout(() => socket.destroy(), NO_ANSWER_MS);
    });
  });
}

// ---- generated requests ----

// Each part is mostly well-formed and sometimes broken, so that a request often carries one fault and reaches the handlers.
const mostly = <T>(usual: fc.Arbitrary<T>, broken: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ weight: 6, arbitrary: usual }, { weight: 1, arbitrary: broken });
const plain = fc.stringMatching(/^[A-Za-z0-9\-._~]{1,10}$/);
const escape = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`),
  fc.constantFrom('%', '%A', '%E0%A4%A', '%zz', '%G1', '%C0%AF', '%ED%A0%80', '%F4%90%80%80', '%%', '%2F', '%2e%2e', '%00'),
);
const segment = fc.array(fc.oneof(plain, escape, escape, fc.constantFrom('..', '.', ';', '@', ':', '+')), { maxLength: 4 }).map((parts) => parts.join(''));
// Weighted towards the routes that exist, so that most requests get past routing into the handlers.
const route = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('invocation/next', 'init/error', 'invocation/', 'invocation//response') },
  { weight: 6, arbitrary: fc.tuple(segment, fc.constantFrom('response', 'error', 'response', 'error', 'next', '', 'response/')).map(([id, kind]) => `invocation/${id}/${kind}`) },
  { weight: 1, arbitrary: fc.array(segment, { maxLength: 4 }).map((parts) => parts.join('/')) },
);
const prefix = fc.oneof(
  { weight: 6, arbitrary: fc.constant('/2018-06-01/runtime/') },
  { weight: 1, arbitrary: fc.constantFrom('/2018-06-01/runtime//', '//2018-06-01/runtime/', '/2018-06-01/', '/', '/2018-06-01/runtime/../runtime/', 'http://127.0.0.1/2018-06-01/runtime/') },
);
const query = mostly(fc.constant(''), fc.array(fc.oneof(plain, escape, fc.constantFrom('=', '&', '?', '#')), { maxLength: 4 }).map((parts) => `?${parts.join('')}`));
const target = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(prefix, route, query).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.constantFrom('*', '', 'no-slash', '/é', '/a b', '/\t') },
);
const method = mostly(fc.constantFrom('GET', 'POST', 'POST', 'POST'), fc.constantFrom('PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'PURGE', 'get', 'CONNECT', 'G ET', '', 'POST\x00'));
const version = mostly(fc.constant('HTTP/1.1'), fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'http/1.1', ''));
const header = mostly(
  fc.constantFrom<[string, string]>(
    ['Lambda-Runtime-Function-Response-Mode', 'streaming'],
    ['Lambda-Runtime-Function-Response-Mode', 'buffered'],
    ['Lambda-Runtime-Function-Response-Mode', 'x, y'],
    ['Lambda-Runtime-Function-Error-Type', 'Runtime.Fuzz'],
    ['Content-Type', 'application/json'],
    ['Expect', '100-continue'],
    ['Connection', 'keep-alive'],
    ['X-Fuzz', ''],
  ),
  fc.constantFrom<[string, string]>(['Bad Name', 'x'], ['X-\x01', 'y'], ['', 'z'], ['X-Nul', 'a\x00b'], ['X-Fold', 'a\r\n b'], ['Expect', 'nothing'], ['Transfer-Encoding', 'gzip'], ['X-Big', 'a'.repeat(9_000)], ['X-Huge', 'a'.repeat(20_000)]),
);
const framing = mostly(fc.constantFrom('none', 'length', 'length', 'chunked'), fc.constantFrom('length-twice', 'length-conflict', 'length-bad', 'chunked-bad', 'chunked-and-length'));
const body = fc.oneof({ weight: 12, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)) }, { weight: 1, arbitrary: fc.integer({ min: LIMIT_BYTES + 1, max: LIMIT_BYTES + 70_000 }).map((size) => Buffer.alloc(size, 0x61)) });
export const rawRequest = fc.record({
  method,
  target,
  version,
  headers: fc.array(header, { maxLength: 3 }),
  framing,
  badValue: fc.constantFrom('-1', 'abc', '1e3', '0x10', ' 5', '99999999999999999999999', '', 'zz', 'ffffffffffffffffffff'),
  body,
  /** Where the bytes are cut (in thousandths of them), and how the client leaves. */
  cutAt: fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 999 }) }),
  ending: fc.constantFrom<Ending>('end', 'destroy', 'reset'),
});
export type GeneratedRequest = typeof rawRequest extends fc.Arbitrary<infer T> ? T : never;

export function requestBytes(r: GeneratedRequest): Buffer {
  const lines = [`${r.method} ${r.target} ${r.version}`.trimEnd(), 'Host: 127.0.0.1', 'Connection: close', ...r.headers.map(([name, value]) => `${name}: ${value}`)];
  let payload = r.body;
  if (r.framing === 'length' || r.framing === 'length-twice') lines.push(...Array<string>(r.framing === 'length' ? 1 : 2).fill(`Content-Length: ${payload.length}`));
  if (r.framing === 'length-conflict') lines.push(`Content-Length: ${payload.length}`, `Content-Length: ${payload.length + 1}`);
  if (r.framing === 'length-bad') lines.push(`Content-Length: ${r.badValue}`);
  if (r.framing.startsWith('chunked')) {
    lines.push('Transfer-Encoding: chunked');
    if (r.framing === 'chunked-and-length') lines.push(`Content-Length: ${payload.length}`);
    const size = r.framing === 'chunked-bad' ? r.badValue : payload.length.toString(16);
    payload = Buffer.concat([Buffer.from(`${size}\r\n`), payload, Buffer.from(payload.length > 0 ? '\r\n0\r\n\r\n' : '\r\n')]);
  }
  const bytes = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), r.framing === 'none' ? Buffer.alloc(0) : payload]);
  return r.cutAt === undefined ? bytes : bytes.subarray(0, Math.floor((bytes.length * r.cutAt) / 1000));
}

/** Every status the server sent is 1xx, 2xx or 4xx; an emu JSON error is AWS-shaped. */
export function checkAnswer(bytes: Buffer, method: string): void {
  const text = bytes.toString('latin1');
  for (const [, status] of text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)) assert.ok(!(status as string).startsWith('5'), `a ${status}: ${text.slice(0, 300)}`);
  const json = /\r\nContent-Type: application\/json\r\nContent-Length: (\d+)\r\n[\s\S]*?\r\n\r\n/.exec(text);
  if (json !== null && method !== 'HEAD' && /^HTTP\/1\.1 4/.test(text)) {
    const parsed = JSON.parse(text.slice(json.index + json[0].length, json.index + json[0].length + Number(json[1]))) as Record<string, unknown>;
    assert.equal(typeof parsed.errorType, 'string');
    assert.equal(typeof parsed.errorMessage, 'string');
  }
}

