/**
 * A payload 1.0 function result → the HTTP response [GW1; KC502]. REST APIs
 * refuse unknown keys and decode base64 only for binary media types; HTTP
 * APIs (payload 1.0) ignore unknown keys and decode whenever asked to.
 */
import { matchesMediaTypes } from './body-encoding.js';
import { headerText, isRecord, isStatusCode, type GatewayResponse, type MalformedResult } from './gateway-response.js';
import { wireHeaders } from './response-headers.js';
import type { Route } from './router.js';

const KNOWN_KEYS = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded']);

export function restResponse(payload: unknown, route: Route, accept: string | undefined): GatewayResponse | MalformedResult {
  if (!isRecord(payload)) return { malformed: 'the result is not an object with a statusCode' };
  const unknown = Object.keys(payload).filter((key) => !KNOWN_KEYS.has(key));
  if (route.api === 'rest' && unknown.length > 0) return { malformed: `unexpected key(s) in the result: ${unknown.join(', ')}` };
  if (!isStatusCode(payload.statusCode)) return { malformed: `statusCode must be an integer HTTP status, got ${JSON.stringify(payload.statusCode)}` };
  const { body } = payload;
  if (body !== undefined && body !== null && typeof body !== 'string') return { malformed: `body must be a string, got ${typeof body}` };
  const merged = mergedHeaders(payload.headers, payload.multiValueHeaders);
  if (typeof merged === 'string') return { malformed: merged };
  const headers = wireHeaders(merged);
  if ('malformed' in headers) return headers;
  // SAM and API Gateway both answer JSON when the function names no content type.
  if (!headers.some(([name]) => name.toLowerCase() === 'content-type')) headers.push(['content-type', 'application/json']);
  const contentType = headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const decode =
    payload.isBase64Encoded === true &&
    (route.api === 'http' || matchesMediaTypes(contentType, route.binaryMediaTypes) || matchesMediaTypes(accept, route.binaryMediaTypes));
  const text = body ?? '';
  return { statusCode: payload.statusCode, headers, body: Buffer.from(text, decode ? 'base64' : 'utf8') };
}

/** `headers` and `multiValueHeaders` together, a pair present in both kept once. */
function mergedHeaders(single: unknown, multi: unknown): Array<[string, string]> | string {
  const pairs: Array<[string, string]> = [];
  const seen = new Set<string>();
  const add = (name: string, value: string): void => {
    const key = `${name.toLowerCase()}\n${value}`;
    if (seen.has(key)) return;
    seen.add(key);
    pairs.push([name, value]);
  };
  if (single !== undefined && single !== null) {
    if (!isRecord(single)) return 'headers must be an object';
    for (const [name, value] of Object.entries(single)) {
      const text = headerText(value);
      if (text === undefined) return `header ${name} must be a string, number or boolean`;
      add(name, text);
    }
  }
  if (multi !== undefined && multi !== null) {
    if (!isRecord(multi)) return 'multiValueHeaders must be an object';
    for (const [name, values] of Object.entries(multi)) {
      if (!Array.isArray(values)) return `multiValueHeaders.${name} must be an array`;
      for (const value of values) {
        const text = headerText(value);
        if (text === undefined) return `multiValueHeaders.${name} must hold strings, numbers or booleans`;
        add(name, text);
      }
    }
  }
  return pairs;
}
