/**
 * A payload 2.0 function result → the HTTP response [GW2; KCHTTP]. An object
 * with a statusCode is a response; anything else that is valid JSON is the
 * body of a 200 application/json answer, sent as its JSON text (so a
 * returned "Hello" arrives with its quotes, as AWS sends it; SAM strips them).
 */
import { headerText, isRecord, isStatusCode, type GatewayResponse, type MalformedResult } from './gateway-response.js';
import { wireHeaders } from './response-headers.js';

export function httpApiResponse(payload: unknown, payloadJson: string): GatewayResponse | MalformedResult {
  if (!isRecord(payload) || payload.statusCode === undefined) {
    return { statusCode: 200, headers: [['content-type', 'application/json']], body: Buffer.from(payloadJson) };
  }
  if (!isStatusCode(payload.statusCode)) return { malformed: `statusCode must be an integer HTTP status, got ${JSON.stringify(payload.statusCode)}` };
  const { body } = payload;
  if (body !== undefined && body !== null && typeof body !== 'string') return { malformed: `body must be a string, got ${typeof body}` };
  const headers: Array<[string, string]> = [];
  if (payload.headers !== undefined && payload.headers !== null) {
    if (!isRecord(payload.headers)) return { malformed: 'headers must be an object' };
    for (const [name, value] of Object.entries(payload.headers)) {
      const text = headerText(value);
      if (text === undefined) return { malformed: `header ${name} must be a string, number or boolean` };
      headers.push([name, text]);
    }
  }
  if (payload.cookies !== undefined) {
    if (!Array.isArray(payload.cookies) || payload.cookies.some((cookie) => typeof cookie !== 'string')) return { malformed: 'cookies must be an array of strings' };
    for (const cookie of payload.cookies as string[]) headers.push(['set-cookie', cookie]);
  }
  const wire = wireHeaders(headers);
  if ('malformed' in wire) return wire;
  // Unconfirmed: AWS's default content type for a 2.0 response that names none; SAM's is JSON, so is emu's.
  if (!wire.some(([name]) => name.toLowerCase() === 'content-type')) wire.push(['content-type', 'application/json']);
  const text = body ?? '';
  return { statusCode: payload.statusCode, headers: wire, body: Buffer.from(text, payload.isBase64Encoded === true ? 'base64' : 'utf8') };
}
