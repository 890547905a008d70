// Property-based tests of `emu serve`'s HTTP front door, on a raw socket: any request becomes a
// well-formed event of its payload format, and any function result becomes valid HTTP mapped by
// API Gateway's rules (or its 502). One real serve process per payload format, reused by every run.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TextDecoder } from 'node:util';
import fc from 'fast-check';
import { assertNoProcessLeft } from './helpers.js';
import { parseRawResponse, rawExchange, type ParsedResponse } from './raw-http.js';
import { SERVE_FIXTURES, startServe, type RunningServe } from './serve-helpers.js';

type Format = '1.0' | '2.0';
type Pairs = Array<[string, string]>;

// Enough runs to cover the generators' odd cases in a few seconds; FUZZ_RUNS=2000 for a deeper search.
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 60);
/** The methods a REST API's ANY expands to; others get its 403. HTTP API's $default takes every method. */
const ANY_METHODS = ['GET', 'DELETE', 'PUT', 'POST', 'HEAD', 'OPTIONS', 'PATCH'];
const INTERNAL_ERROR = '{"message":"Internal server error"}';

// ---- requests ----

const unicode = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 });
const pathSegment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9\-._~!$&'()*+,;=:@]{0,8}$/),
  unicode.map(encodeURIComponent),
  fc.constantFrom('', '.', '..', '%2F', '%2e%2e', '%zz', '%', '%E2%82', 'a%20b', 'caf%C3%A9'),
);
const queryPart = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9\-._~!$'()*,;:@/?]{0,6}$/),
  unicode.map(encodeURIComponent),
  fc.constantFrom('', '+', 'a+b', '%zz', '%', '%20', '%26', '%3D', '%2B', '%E2%82'),
);
const query = fc.option(
  fc.array(fc.tuple(queryPart, queryPart, fc.boolean()), { maxLength: 6 }).map((pairs) => pairs.map(([k, v, eq]) => (eq ? `${k}=${v}` : k)).join('&')),
  { nil: undefined },
);
const headerValue = fc.oneof(fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,24}[\x21-\x7e])?$/), fc.constantFrom('', 'a=1; b=2', ';a=1;;b', 'x, y', 'a\tb'));
const oddCase = (name: string, mask: boolean[]): string => [...name].map((c, i) => (mask[i % Math.max(mask.length, 1)] ? c.toUpperCase() : c.toLowerCase())).join('');
const header = fc
  .tuple(fc.constantFrom('X-Fuzz-A', 'X-Fuzz-B', 'Accept', 'Cookie', 'X-Forwarded-For', 'X-Forwarded-Proto', 'User-Agent', 'X-Amzn-Trace-Id', 'Authorization'), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), headerValue)
  .map(([name, mask, value]): [string, string] => [oddCase(name, mask), value]);
const CONTENT_TYPES = ['application/json', 'Application/JSON; charset=utf-8', 'text/plain', 'text/html; charset=utf-8', 'application/xml', 'application/vnd.api+json', 'application/octet-stream', 'image/png', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'];
const TEXT_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'text/plain', 'text/html; charset=utf-8', 'application/xml', 'application/vnd.api+json']);
const body = fc.option(
  fc.record({
    bytes: fc.oneof(fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)), fc.string({ unit: 'grapheme', maxLength: 300 }).map((s) => Buffer.from(s))),
    contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
  }),
  { nil: undefined },
);
const request = fc.record({
  method: fc.constantFrom(...ANY_METHODS, 'GET', 'POST', 'PURGE', 'PROPFIND'),
  path: fc.array(pathSegment, { maxLength: 5 }).map((segments) => `/${segments.join('/')}`),
  query,
  headers: fc.array(header, { maxLength: 8 }),
  body,
  // The absolute form a client sends to a proxy; servers must accept it (RFC 9112 §3.2.2).
  absoluteForm: fc.boolean(),
});
type FuzzRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const isUtf8 = (bytes: Buffer): boolean => {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
};
/** AWS decodes each query name and value; a malformed escape is passed on as sent. */
const decodePart = (part: string): string => {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
};
const queryPairs = (raw: string): Pairs =>
  raw
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => (pair.includes('=') ? [decodePart(pair.slice(0, pair.indexOf('='))), decodePart(pair.slice(pair.indexOf('=') + 1))] : [decodePart(pair), '']));

/** What goes on the wire, in order, as the server's parser sees it. */
function sentHeaders(url: string, req: FuzzRequest): Pairs {
  const pairs: Pairs = [['Host', new URL(url).host], ['Connection', 'close'], ...req.headers];
  if (req.body?.contentType !== undefined) pairs.push(['Content-Type', req.body.contentType]);
  if (req.body !== undefined) pairs.push(['Content-Length', String(req.body.bytes.length)]);
  return pairs;
}

async function exchange(url: string, req: FuzzRequest): Promise<ParsedResponse> {
  const headers: Pairs = [...req.headers];
  if (req.body?.contentType !== undefined) headers.push(['Content-Type', req.body.contentType]);
  const target = `${req.absoluteForm ? 'http://api.example.com' : ''}${req.path}${req.query === undefined ? '' : `?${req.query}`}`;
  const bytes = await rawExchange(url, { method: req.method, target, headers, ...(req.body === undefined ? {} : { body: req.body.bytes }) });
  return parseRawResponse(bytes, { requestMethod: req.method });
}

function checkBody(event: Record<string, unknown>, req: FuzzRequest, format: Format): void {
  const sent = req.body?.bytes ?? Buffer.alloc(0);
  assert.equal(typeof event.isBase64Encoded, 'boolean');
  if (sent.length === 0) {
    assert.equal(event.body, format === '1.0' ? null : undefined);
    assert.equal(event.isBase64Encoded, false);
    return;
  }
  assert.equal(typeof event.body, 'string');
  const received = Buffer.from(event.body as string, event.isBase64Encoded === true ? 'base64' : 'utf8');
  assert.ok(received.equals(sent), 'the body round-trips byte for byte');
  // HTTP APIs encode whatever is not text; REST APIs (no binaryMediaTypes here) only what is not UTF-8.
  const text = format === '2.0' ? TEXT_TYPES.has((req.body?.contentType ?? '').toLowerCase()) : true;
  assert.equal(event.isBase64Encoded, !(text && isUtf8(sent)));
}

const stringsOnly = (value: unknown, multi: boolean): boolean =>
  typeof value === 'object' && value !== null && Object.values(value).every((v) => (multi ? Array.isArray(v) && v.every((s) => typeof s === 'string') : typeof v === 'string'));

function checkHttpApiEvent(event: Record<string, unknown>, req: FuzzRequest, url: string): void {
  const context = event.requestContext as Record<string, unknown>;
  const http = context.http as Record<string, unknown>;
  assert.equal(event.version, '2.0');
  assert.equal(event.routeKey, '$default');
  assert.equal(event.rawPath, req.path);
  assert.equal(event.rawQueryString, req.query ?? '');
  assert.deepEqual([http.method, http.path, http.protocol, http.sourceIp], [req.method, req.path, 'HTTP/1.1', '127.0.0.1']);
  for (const key of ['accountId', 'apiId', 'domainName', 'domainPrefix', 'requestId', 'routeKey', 'stage', 'time'] as const) assert.equal(typeof context[key], 'string', key);
  assert.equal(typeof context.timeEpoch, 'number');
  const sent = sentHeaders(url, req);
  const cookies = sent.filter(([n]) => n.toLowerCase() === 'cookie').flatMap(([, v]) => v.split(';').map((c) => c.trim()).filter((c) => c !== ''));
  assert.deepEqual(event.cookies, cookies.length > 0 ? cookies : undefined);
  const expected: Record<string, string> = {};
  for (const [name, value] of sent) if (name.toLowerCase() !== 'cookie') expected[name.toLowerCase()] = name.toLowerCase() in expected ? `${expected[name.toLowerCase()]},${value}` : value;
  assert.ok(stringsOnly(event.headers, false), 'headers are strings');
  const headers = event.headers as Record<string, string>;
  const added = Object.keys(headers).filter((name) => !(name in expected));
  assert.deepEqual(added.filter((name) => !['x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto', 'x-amzn-trace-id'].includes(name)), []);
  for (const [name, value] of Object.entries(expected)) assert.equal(headers[name], value, `header ${name}`);
  assert.equal(http.userAgent, sent.find(([n]) => n.toLowerCase() === 'user-agent')?.[1] ?? '');
  const pairs = queryPairs(req.query ?? '');
  const joined: Record<string, string> = {};
  for (const [k, v] of pairs) joined[k] = k in joined ? `${joined[k]},${v}` : v;
  assert.deepEqual(event.queryStringParameters, pairs.length > 0 ? joined : undefined);
  assert.ok(!('multiValueHeaders' in event) && !('multiValueQueryStringParameters' in event));
  checkBody(event, req, '2.0');
}

function checkRestEvent(event: Record<string, unknown>, req: FuzzRequest, url: string): void {
  const context = event.requestContext as Record<string, unknown>;
  assert.equal(event.path, req.path);
  assert.equal(event.httpMethod, req.method);
  assert.ok(event.resource === '/' || event.resource === '/{proxy+}');
  assert.equal(event.stageVariables, null);
  assert.ok(!('version' in event), 'REST events carry no version');
  assert.deepEqual([context.path, context.httpMethod, context.stage, context.protocol], [`/Prod${req.path}`, req.method, 'Prod', 'HTTP/1.1']);
  for (const key of ['accountId', 'apiId', 'requestId', 'requestTime', 'resourceId', 'resourcePath', 'extendedRequestId'] as const) assert.equal(typeof context[key], 'string', key);
  assert.equal(typeof context.requestTimeEpoch, 'number');
  if (event.resource === '/') assert.equal(event.pathParameters, null);
  else assert.equal(typeof (event.pathParameters as Record<string, unknown>).proxy, 'string');
  // Names grouped case-insensitively under the first casing sent; `headers` keeps the last value.
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  const casing = new Map<string, string>();
  for (const [name, value] of sentHeaders(url, req)) {
    const key = casing.get(name.toLowerCase()) ?? name;
    casing.set(name.toLowerCase(), key);
    single[key] = value;
    (multi[key] ??= []).push(value);
  }
  assert.ok(stringsOnly(event.headers, false) && stringsOnly(event.multiValueHeaders, true));
  const headers = event.headers as Record<string, string>;
  const added = Object.keys(headers).filter((name) => !(name in single));
  assert.deepEqual(added.filter((name) => !['x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto'].includes(name.toLowerCase())), []);
  for (const [name, value] of Object.entries(single)) assert.equal(headers[name], value, `header ${name}`);
  for (const [name, values] of Object.entries(multi)) assert.deepEqual((event.multiValueHeaders as Record<string, string[]>)[name], values, `multi-value header ${name}`);
  const pairs = queryPairs(req.query ?? '');
  const last: Record<string, string> = {};
  const all: Record<string, string[]> = {};
  for (const [k, v] of pairs) {
    last[k] = v;
    (all[k] ??= []).push(v);
  }
  assert.deepEqual(event.queryStringParameters, pairs.length > 0 ? last : null);
  assert.deepEqual(event.multiValueQueryStringParameters, pairs.length > 0 ? all : null);
  checkBody(event, req, '1.0');
}

// ---- function results ----

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Connection framing is API Gateway's own: a function's values never reach the client. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer', 'te', 'proxy-connection']);
const responseHeaderName = fc.oneof(
  fc.constantFrom('Content-Type', 'content-type', 'X-A', 'x-a', 'Set-Cookie', 'Cache-Control', 'Content-Length', 'Transfer-Encoding', 'Connection'),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/),
  fc.constantFrom('bad name', 'x\u00e9', 'x:y', ''),
);
const scalar = fc.oneof(fc.string({ maxLength: 16 }), fc.string({ unit: 'grapheme', maxLength: 6 }), fc.integer(), fc.boolean(), fc.constantFrom('a\r\nX-Injected: 1', '\u00e9', '\u65e5\u672c', 'tab\there'));
const responseHeaderValue = fc.oneof({ weight: 8, arbitrary: scalar }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, { x: 1 }, ['a']) });
const entries = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<Record<string, T>> => fc.array(fc.tuple(responseHeaderName, value), { maxLength: 4 }).map((pairs) => Object.fromEntries(pairs));
const responseBody = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }).map((text) => ({ body: text })),
  fc.uint8Array({ maxLength: 500 }).map((bytes) => ({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true })),
  fc.constantFrom<Record<string, unknown>>({}, { body: null }, { body: 42 }, { body: { a: 1 } }, { body: 'text', isBase64Encoded: false }, { body: 'aGk=', isBase64Encoded: 'true' }),
);
const statusCode = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 200, max: 599 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(100, 101, 204, 304, 99, 600, '200', 200.5, null, -1) });
const responseObject = fc
  .record(
    {
      statusCode,
      headers: fc.oneof({ weight: 6, arbitrary: entries(responseHeaderValue) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'x', [['a', 'b']]) }),
      multiValueHeaders: fc.oneof({ weight: 6, arbitrary: entries(fc.array(responseHeaderValue, { maxLength: 3 })) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, { a: 'not-an-array' }) }),
      cookies: fc.oneof({ weight: 6, arbitrary: fc.array(fc.oneof(fc.stringMatching(/^[a-z]{1,5}=[\x21-\x3a\x3c-\x7e]{0,8}(; Path=\/)?$/), fc.constantFrom('a=1\r\nx: y', 'c=\u00e9')), { maxLength: 3 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('a=1', [1]) }),
      extra: fc.constant(true),
    },
    { requiredKeys: [] },
  )
  .chain((fields) => responseBody.map((b) => ({ ...fields, ...b })));
const functionResult = fc.oneof({ weight: 4, arbitrary: responseObject }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });

type Expected = { malformed: true } | { malformed: false; status: number; headers: Pairs; body: Buffer };
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v);

/**
 * Header pairs as they go on the wire: a name that is not an HTTP token or a value with a
 * control character cannot be sent, so the result is malformed (unconfirmed: API Gateway's
 * exact answer; a 502 is what it gives for results it cannot map). Other text is sent as UTF-8.
 */
function wirePairs(pairs: Array<[string, unknown]>): Pairs | null {
  const out: Pairs = [];
  for (const [name, value] of pairs) {
    if (!isText(value) || !TOKEN.test(name) || /[\x00-\x08\x0a-\x1f\x7f]/.test(String(value))) return null;
    if (!FRAMING.has(name.toLowerCase())) out.push([name, Buffer.from(String(value).replace(/^[ \t]+|[ \t]+$/g, ''), 'utf8').toString('latin1')]);
  }
  return out;
}

function expectedResult(value: unknown, format: Format): Expected {
  const bare = format === '2.0' && (!isRecord(value) || !('statusCode' in value));
  if (bare) return { malformed: false, status: 200, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify(value)) };
  if (!isRecord(value)) return { malformed: true };
  const { statusCode: status, body, headers, multiValueHeaders, cookies, isBase64Encoded } = value;
  if (format === '1.0' && 'extra' in value) return { malformed: true }; // REST refuses unknown keys
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) return { malformed: true };
  if (body !== undefined && body !== null && typeof body !== 'string') return { malformed: true };
  if (headers !== undefined && headers !== null && !isRecord(headers)) return { malformed: true };
  const pairs: Array<[string, unknown]> = Object.entries(headers ?? {});
  if (format === '1.0') {
    if (multiValueHeaders !== undefined && multiValueHeaders !== null && !isRecord(multiValueHeaders)) return { malformed: true };
    if (format === '1.0' && 'cookies' in value) return { malformed: true };
    for (const [name, values] of Object.entries(multiValueHeaders ?? {})) {
      if (!Array.isArray(values)) return { malformed: true };
      for (const v of values) pairs.push([name, v]);
    }
  } else if (cookies !== undefined) {
    if (!Array.isArray(cookies) || !cookies.every((c) => typeof c === 'string')) return { malformed: true };
    for (const cookie of cookies) pairs.push(['set-cookie', cookie]);
  }
  const wire = wirePairs(pairs);
  if (wire === null) return { malformed: true };
  if (!wire.some(([name]) => name.toLowerCase() === 'content-type')) wire.push(['content-type', 'application/json']);
  // REST decodes base64 only for binaryMediaTypes, and the bare 1.0 API lists none.
  const decoded = format === '2.0' && isBase64Encoded === true;
  const payload = status === 204 || status === 304 ? Buffer.alloc(0) : Buffer.from((body as string | null | undefined) ?? '', decoded ? 'base64' : 'utf8');
  return { malformed: false, status, headers: wire, body: payload };
}

function checkResult(response: ParsedResponse, expected: Expected, format: Format): void {
  if (expected.malformed) {
    assert.equal(response.status, 502);
    assert.equal(response.body.toString(), INTERNAL_ERROR);
    return;
  }
  assert.equal(response.status, expected.status);
  assert.ok(response.body.equals(expected.body), `body ${JSON.stringify(response.body.toString('latin1').slice(0, 80))} vs ${JSON.stringify(expected.body.toString('latin1').slice(0, 80))}`);
  for (const [name, value] of expected.headers) assert.ok(response.all(name).includes(value), `header ${name}: ${JSON.stringify(value)} in ${JSON.stringify(response.headers)}`);
  const ours = ['date', 'connection', 'content-length', format === '2.0' ? 'apigw-requestid' : 'x-amzn-requestid'];
  const names = new Set(expected.headers.map(([name]) => name.toLowerCase()));
  assert.deepEqual(response.headers.filter(([name]) => !names.has(name.toLowerCase()) && !ours.includes(name.toLowerCase())), [], 'no header the function did not ask for');
}

/** fast-check's error, with the assertion that failed (node:test prints no `cause`). */
async function holds<T>(arbitrary: fc.Arbitrary<T>, property: (value: T) => Promise<void>, numRuns: number, examples: T[] = []): Promise<void> {
  try {
    await fc.assert(fc.asyncProperty(arbitrary, property), { numRuns, examples: examples.map((example): [T] => [example]) });
  } catch (error) {
    const cause = (error as Error).cause;
    throw new Error(`${(error as Error).message}\n${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

for (const format of ['2.0', '1.0'] as const) {
  describe(`emu serve --payload-format ${format}: fuzzed requests and results on a raw socket`, () => {
    let serve: RunningServe;
    before(async () => (serve = await startServe(['fuzz.handler', '--code-dir', `${SERVE_FIXTURES}/api`, '--payload-format', format])));
    after(async () => {
      await serve.stop();
      assertNoProcessLeft();
    });

    test('any method, path, query, headers and body: valid HTTP, and the event is well formed and faithful', async () => {
      await holds(
        request,
        async (req) => {
          const response = await exchange(serve.url, req);
          if (format === '1.0' && !ANY_METHODS.includes(req.method)) {
            assert.equal(response.status, 403, 'a REST API has no route for this method');
            assert.equal(response.header('x-amzn-errortype'), 'MissingAuthenticationTokenException');
            return;
          }
          assert.equal(response.status, 200, response.body.toString());
          if (req.method === 'HEAD') return;
          const event = JSON.parse(response.body.toString('utf8')) as Record<string, unknown>;
          if (format === '2.0') checkHttpApiEvent(event, req, serve.url);
          else checkRestEvent(event, req, serve.url);
        },
        NUM_RUNS * 2,
        // Regression: an absolute-form target was taken whole as the path.
        [{ method: 'GET', path: '/a/b', query: 'x=1', headers: [], body: undefined, absoluteForm: true }],
      );
    });

    test('any function result: valid HTTP mapped by the payload format rules, or API Gateway\'s 502', async () => {
      await holds(
        functionResult,
        async (value) => {
          const body = Buffer.from(JSON.stringify({ value }));
          const bytes = await rawExchange(serve.url, { method: 'POST', target: '/respond', headers: [['x-fuzz-respond', '1'], ['Content-Type', 'application/json']], body });
          checkResult(parseRawResponse(bytes, { requestMethod: 'POST' }), expectedResult(value, format), format);
        },
        NUM_RUNS * 2,
        // Regressions: a header value with CR LF crashed emu serve; a 204 or 304 announced a body it did not send.
        [{ statusCode: 200, headers: { 'x-a': 'a\r\nX-Injected: 1' } }, { statusCode: 204, body: 'dropped' }, { statusCode: 304, body: 'dropped' }, { statusCode: 200, headers: { 'Content-Length': '1', 'X-U': '\u65e5' }, body: 'abc' }],
      );
    });
  });
}
