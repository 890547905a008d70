import { awsIds } from './aws-ids.js';
import type { BaseEventOptions } from './base-event-options.js';

/** Options shared by every HTTP-shaped event (API Gateway, Function URL, ALB). */
export interface HttpRequestOptions extends BaseEventOptions {
  /** HTTP method. Default GET, or POST when a body is given. */
  method?: string;
  /** Request path; a `?query` suffix is split off into the query string. Default `/`. */
  path?: string;
  /** Raw query string without the `?`, e.g. `limit=10&tag=a&tag=b`. */
  query?: string;
  /** Request body as text. */
  body?: string;
}

/** One query parameter, both as sent on the wire and decoded. */
export interface QueryParameter {
  rawName: string;
  rawValue: string;
  name: string;
  value: string;
}

/** A client request normalised once, then shaped by each service's event builder. */
export interface HttpRequest {
  method: string;
  path: string;
  rawQuery: string;
  query: QueryParameter[];
  body: string | undefined;
  sourceIp: string;
  userAgent: string;
  traceId: string;
  /** Headers in lowercase, in the order a client and the AWS front end add them. */
  headers: Array<[string, string]>;
}

const USER_AGENT = 'curl/8.7.1';

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    // Malformed escapes reach the handler undecoded, as AWS passes them through.
    return part;
  }
}

function parseQuery(rawQuery: string): QueryParameter[] {
  return rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const at = pair.indexOf('=');
      const rawName = at < 0 ? pair : pair.slice(0, at);
      const rawValue = at < 0 ? '' : pair.slice(at + 1);
      return { rawName, rawValue, name: decodeQueryPart(rawName), value: decodeQueryPart(rawValue) };
    });
}

function contentType(body: string): string {
  try {
    JSON.parse(body);
    return 'application/json';
  } catch {
    return 'text/plain';
  }
}

function splitPath(path: string | undefined, query: string | undefined): { path: string; rawQuery: string } {
  const full = path ?? '/';
  const at = full.indexOf('?');
  const bare = at < 0 ? full : full.slice(0, at);
  const inline = at < 0 ? '' : full.slice(at + 1);
  const rawQuery = [inline, query ?? ''].filter((part) => part !== '').join('&');
  return { path: bare.startsWith('/') ? bare : `/${bare}`, rawQuery };
}

export function httpRequest(options: HttpRequestOptions, host: string, time: Date): HttpRequest {
  const { path, rawQuery } = splitPath(options.path, options.query);
  const body = options.body;
  const sourceIp = awsIds.sourceIp();
  const traceId = `Root=${awsIds.traceRoot(time)}`;
  const headers: Array<[string, string]> = [
    ['accept', '*/*'],
    ['host', host],
    ['user-agent', USER_AGENT],
  ];
  if (body !== undefined) {
    headers.push(['content-type', contentType(body)], ['content-length', String(Buffer.byteLength(body))]);
  }
  headers.push(
    ['x-amzn-trace-id', traceId],
    ['x-forwarded-for', sourceIp],
    ['x-forwarded-port', '443'],
    ['x-forwarded-proto', 'https'],
  );
  const method = (options.method ?? (body === undefined ? 'GET' : 'POST')).toUpperCase();
  return { method, path, rawQuery, query: parseQuery(rawQuery), body, sourceIp, userAgent: USER_AGENT, traceId, headers };
}

/** `x-amzn-trace-id` → `X-Amzn-Trace-Id`, the casing REST APIs pass through from curl and the edge. */
export function titleCase(header: string): string {
  return header.replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase());
}

/** Last value wins, as in payload 1.0 `queryStringParameters` and ALB single-value mode. */
export function lastValues(entries: Array<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of entries) out[name] = value;
  return out;
}

export function allValues(entries: Array<[string, string]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of entries) (out[name] ??= []).push(value);
  return out;
}

/** Payload 2.0 joins repeated query parameters and headers with commas. */
export function joinedValues(entries: Array<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(allValues(entries))) out[name] = values.join(',');
  return out;
}

export function decodedQuery(request: HttpRequest): Array<[string, string]> {
  return request.query.map((q) => [q.name, q.value]);
}

/**
 * Matches an API Gateway resource template (`/items/{id}`, `/{proxy+}`)
 * against a path. Returns the path parameters, or null when nothing is captured.
 */
export function matchResource(resource: string, path: string): Record<string, string> | null {
  const templates = resource.split('/').filter((s) => s !== '');
  const parts = path.split('/').filter((s) => s !== '');
  const params: Record<string, string> = {};
  for (let i = 0; i < templates.length; i++) {
    const template = templates[i] ?? '';
    const greedy = /^\{(.+)\+\}$/.exec(template);
    const single = /^\{(.+)\}$/.exec(template);
    if (greedy?.[1] !== undefined) {
      if (i >= parts.length) return null;
      params[greedy[1]] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return null;
    if (single?.[1] !== undefined) params[single[1]] = part;
    else if (template !== part) return null;
  }
  if (parts.length !== templates.length) return null;
  return Object.keys(params).length > 0 ? params : null;
}
