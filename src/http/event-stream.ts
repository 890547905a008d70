/**
 * application/vnd.amazon.eventstream messages, as InvokeWithResponseStream sends them: a prelude
 * (total length, headers length, CRC32 of those 8 bytes), string headers, the payload, and a CRC32
 * of everything before it. All integers big-endian.
 */
import { crc32 } from 'node:zlib';

const STRING_HEADER_TYPE = 7;
const PRELUDE_BYTES = 12;
const CRC_BYTES = 4;

export function eventMessage(eventType: string, contentType: string, payload: Buffer): Buffer {
  return Buffer.concat(eventMessageParts(eventType, contentType, payload));
}

/** The same message as three pieces, the payload not copied: a streamed body passes through as it is. */
export function eventMessageParts(eventType: string, contentType: string, payload: Buffer): [Buffer, Buffer, Buffer] {
  const headers = headersFor(eventType, contentType);
  const totalBytes = PRELUDE_BYTES + headers.length + payload.length + CRC_BYTES;
  const head = Buffer.allocUnsafe(PRELUDE_BYTES + headers.length);
  head.writeUInt32BE(totalBytes, 0);
  head.writeUInt32BE(headers.length, 4);
  head.writeUInt32BE(crc32(head.subarray(0, 8)), 8);
  headers.copy(head, PRELUDE_BYTES);
  const tail = Buffer.allocUnsafe(CRC_BYTES);
  tail.writeUInt32BE(crc32(payload, crc32(head)), 0);
  return [head, payload, tail];
}

/** The headers of a kind of event, built once: a stream sends thousands of PayloadChunk events with the same three. */
const headersByKind = new Map<string, Buffer>();

function headersFor(eventType: string, contentType: string): Buffer {
  const kind = `${eventType}\n${contentType}`;
  let headers = headersByKind.get(kind);
  if (headers === undefined) {
    headers = Buffer.concat([header(':event-type', eventType), header(':content-type', contentType), header(':message-type', 'event')]);
    headersByKind.set(kind, headers);
  }
  return headers;
}

function header(name: string, value: string): Buffer {
  const nameBytes = Buffer.from(name);
  const valueBytes = Buffer.from(value);
  const out = Buffer.allocUnsafe(1 + nameBytes.length + 1 + 2 + valueBytes.length);
  out.writeUInt8(nameBytes.length, 0);
  nameBytes.copy(out, 1);
  out.writeUInt8(STRING_HEADER_TYPE, 1 + nameBytes.length);
  out.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
  valueBytes.copy(out, 4 + nameBytes.length);
  return out;
}
