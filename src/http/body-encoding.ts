/**
 * When a body travels base64-encoded. HTTP APIs and Function URLs encode
 * every body that is not text [GW2; DG-URL]; REST APIs only the content
 * types listed in the API's binaryMediaTypes [GW1].
 */
import { TextDecoder } from 'node:util';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** text/*, JSON, XML, JavaScript and their `+json` / `+xml` variants. Form posts are not on AWS's list: they arrive base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    ['application/json', 'application/javascript', 'application/ecmascript', 'application/xml', 'application/yaml'].includes(type) ||
    type.endsWith('+json') ||
    type.endsWith('+xml')
  );
}

export function isValidUtf8(body: Buffer): boolean {
  try {
    strictUtf8.decode(body);
    return true;
  } catch {
    return false;
  }
}

/** Matches a content type against `binaryMediaTypes` entries such as `image/png`, `image/*` or `*\/*`. */
export function matchesMediaTypes(contentType: string | undefined, mediaTypes: readonly string[]): boolean {
  if (contentType === undefined || mediaTypes.length === 0) return false;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const [major] = type.split('/');
  return mediaTypes.some((entry) => {
    const wanted = entry.trim().toLowerCase();
    return wanted === '*/*' || wanted === type || wanted === `${major}/*`;
  });
}

/** The event's `body` and `isBase64Encoded`. An empty body is absent (null in payload 1.0, left out in 2.0). */
export function encodeBody(body: Buffer, binary: boolean): { body: string | undefined; isBase64Encoded: boolean } {
  if (body.length === 0) return { body: undefined, isBase64Encoded: false };
  if (binary || !isValidUtf8(body)) return { body: body.toString('base64'), isBase64Encoded: true };
  return { body: body.toString('utf8'), isBase64Encoded: false };
}
