/** A real HTTP request read once (body included) into what every event builder needs. */
import type { IncomingMessage } from 'node:http';

export interface IncomingRequest {
  method: string;
  /** The path as the client sent it, still percent-encoded, without the query. */
  rawPath: string;
  /** The query without its `?`, as sent. */
  rawQuery: string;
  /** Header pairs in the client's order and casing; repeats are separate pairs. */
  rawHeaders: Array<[string, string]>;
  body: Buffer;
  sourceIp: string;
  protocol: string;
  userAgent: string;
  receivedAt: Date;
}

export class BodyTooLargeError extends Error {}

export async function readIncomingRequest(request: IncomingMessage, maxBodyBytes: number): Promise<IncomingRequest> {
  const receivedAt = new Date();
  const url = request.url ?? '/';
  const at = url.indexOf('?');
  const rawHeaders: Array<[string, string]> = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) rawHeaders.push([request.rawHeaders[i] as string, request.rawHeaders[i + 1] as string]);
  return {
    method: (request.method ?? 'GET').toUpperCase(),
    rawPath: at < 0 ? url : url.slice(0, at),
    rawQuery: at < 0 ? '' : url.slice(at + 1),
    rawHeaders,
    body: await readBody(request, maxBodyBytes),
    sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    protocol: `HTTP/${request.httpVersion}`,
    userAgent: request.headers['user-agent'] ?? '',
    receivedAt,
  };
}

async function readBody(request: IncomingMessage, maxBodyBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new BodyTooLargeError(`the request body is larger than ${maxBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/** Case-insensitive, first occurrence. */
export function headerValue(request: IncomingRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  return request.rawHeaders.find(([key]) => key.toLowerCase() === lower)?.[1];
}

/** `a=1&b=2&b=3` → decoded pairs, in order; malformed escapes are passed on undecoded, as AWS does. */
export function queryPairs(rawQuery: string): Array<[string, string]> {
  return rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? [decodeQueryPart(pair), ''] : [decodeQueryPart(pair.slice(0, eq)), decodeQueryPart(pair.slice(eq + 1))];
    });
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}
