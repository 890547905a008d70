/**
 * HTTP/1.1 on a bare socket, for the serve fuzz and load tests: requests no
 * HTTP client would send (any path bytes, repeated and oddly cased headers),
 * and a strict reading of what comes back, so that a malformed response
 * fails the test instead of being smoothed over by a lenient client.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target exactly as it goes on the wire (path and query). */
  target: string;
  /** Header pairs in order; Host and Connection: close are added first. */
  headers: Array<[string, string]>;
  body?: Buffer;
}

export interface ParsedResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
  header(name: string): string | undefined;
  all(name: string): string[];
}

/** One request on its own connection (Connection: close); resolves with every byte the server sent before closing. */
export function rawExchange(url: string, request: RawRequest, timeoutMs = 10_000): Promise<Buffer> {
  const { hostname, port } = new URL(url);
  const lines = [`${request.method} ${request.target} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close'];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  if (request.body !== undefined) lines.push(`Content-Length: ${request.body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms to ${request.method} ${request.target}; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 300))}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    // Not end(): a client that half-closes has its request aborted by Node's server, as by many others.
    socket.write(request.body === undefined ? head : Buffer.concat([head, request.body]));
  });
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// field-vchar, SP and HTAB, obs-text (RFC 9110 §5.5); no CR, LF or other controls.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Reads one complete HTTP/1.1 response that is followed by the connection's
 * close, and asserts it is valid: status line, header syntax, and framing
 * (Content-Length or chunked, never both, no body where none is allowed,
 * not one byte more or less than announced).
 */
export function parseRawResponse(bytes: Buffer, options: { requestMethod: string }): ParsedResponse {
  const end = bytes.indexOf('\r\n\r\n');
  assert.ok(end >= 0, `no end of headers in ${JSON.stringify(bytes.toString('latin1').slice(0, 300))}`);
  const [statusLine = '', ...headerLines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.1 ([1-5]\d\d) [\t\x20-\x7e\x80-\xff]*$/.exec(statusLine);
  assert.ok(status !== null, `bad status line ${JSON.stringify(statusLine)}`);
  const statusCode = Number(status[1]);
  const headers = headerLines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    assert.ok(colon > 0, `bad header line ${JSON.stringify(line)}`);
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    assert.match(name, TOKEN, `header name is not a token: ${JSON.stringify(name)}`);
    assert.match(value, FIELD_VALUE, `header ${name} has a bad value: ${JSON.stringify(value)}`);
    return [name, value];
  });
  const all = (name: string): string[] => headers.filter(([key]) => key.toLowerCase() === name.toLowerCase()).map(([, value]) => value);
  const rest = bytes.subarray(end + 4);
  const lengths = all('content-length');
  const chunked = all('transfer-encoding').some((value) => /chunked/i.test(value));
  assert.ok(!(chunked && lengths.length > 0), 'both Content-Length and Transfer-Encoding: chunked');
  assert.ok(new Set(lengths).size <= 1, `conflicting Content-Length values ${lengths.join(', ')}`);
  const bodyless = statusCode < 200 || statusCode === 204 || statusCode === 304;
  if (statusCode < 200 || statusCode === 204) assert.equal(lengths.length + Number(chunked), 0, `a ${statusCode} must carry neither Content-Length nor Transfer-Encoding`);
  let body: Buffer;
  if (bodyless || options.requestMethod === 'HEAD') body = Buffer.alloc(0);
  else if (chunked) body = dechunk(rest).body;
  else if (lengths.length > 0) {
    assert.match(lengths[0] as string, /^\d+$/, 'Content-Length is not a number');
    body = rest.subarray(0, Number(lengths[0]));
    assert.equal(body.length, Number(lengths[0]), 'fewer body bytes than Content-Length announced');
  } else body = rest;
  const consumed = bodyless || options.requestMethod === 'HEAD' ? 0 : chunked ? dechunk(rest).length : body.length;
  assert.equal(rest.length - consumed, 0, `${rest.length - consumed} byte(s) after the response`);
  return { status: statusCode, headers, body, header: (name) => all(name)[0], all };
}

/** A chunked body and how many bytes it took, trailers and final CRLF included. */
function dechunk(bytes: Buffer): { body: Buffer; length: number } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    assert.ok(lineEnd >= 0, 'truncated chunk size');
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1').split(';')[0] as string, 16);
    assert.ok(Number.isInteger(size) && size >= 0, 'bad chunk size');
    at = lineEnd + 2;
    if (size === 0) break;
    parts.push(bytes.subarray(at, at + size));
    assert.equal(bytes.subarray(at + size, at + size + 2).toString('latin1'), '\r\n', 'chunk not followed by CRLF');
    at += size + 2;
  }
  // Trailer lines, up to the empty line that ends the message.
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    assert.ok(lineEnd >= 0, 'chunked body without its final CRLF');
    const empty = lineEnd === at;
    at = lineEnd + 2;
    if (empty) break;
  }
  return { body: Buffer.concat(parts), length: at };
}
