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
  const url = originForm(request.url ?? '/');
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

/**
 * A proxy-style absolute target (`GET http://host/p?q HTTP/1.1`), which servers
 * must accept (RFC 9112 §3.2.2), is routed by its path and query alone.
 */
function originForm(target: string): string {
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (absolute === null) return target;
  const rest = target.slice(absolute[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * Past the limit, what was read is dropped and the rest is discarded as it
 * arrives (not left unread, and not by destroying the request, which would
 * reset the connection before the 413 is written).
 */
function readBody(request: IncomingMessage, maxBodyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(request.headers['content-length']) > maxBodyBytes) {
      request.resume();
      return reject(new BodyTooLargeError(`the request body is larger than ${maxBodyBytes} bytes`));
    }
    let chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBodyBytes) return void chunks.push(chunk);
      chunks = [];
      request.off('data', onData).off('end', onEnd).off('error', reject).off('close', onClose);
      request.resume();
      reject(new BodyTooLargeError(`the request body is larger than ${maxBodyBytes} bytes`));
    };
    const onEnd = (): void => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    const onClose = (): void => {
      if (!request.complete) reject(new Error('the client closed the connection before the end of its body'));
    };
    request.on('data', onData).once('end', onEnd).once('error', reject).once('close', onClose);
  });
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
