import { randomBytes, randomFillSync, randomInt, randomUUID } from 'node:crypto';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';

// emu serve draws two ids per request: one call into crypto per 4 KB instead of per id
// (about 3 µs each). Bytes are handed out once and never reused.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** `count` fresh random bytes as text in `encoding`. */
function randomText(count: number, encoding: 'hex' | 'base64'): string {
  if (count > POOL_BYTES) return randomBytes(count).toString(encoding);
  if (poolOffset + count > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += count;
  return pool.toString(encoding, poolOffset - count, poolOffset);
}

function fromAlphabet(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet.charAt(randomInt(alphabet.length));
  return out;
}

/**
 * Random identifiers in the formats AWS services use. Every call is fresh,
 * which is what makes `--count` batches distinct.
 */
export const awsIds = {
  uuid: (): string => randomUUID(),
  hex: (length: number): string => randomText(Math.ceil(length / 2), 'hex').slice(0, length),
  upperHex: (length: number): string => awsIds.hex(length).toUpperCase(),
  lowerAlnum: (length: number): string => fromAlphabet(LOWER + DIGITS, length),
  upperAlnum: (length: number): string => fromAlphabet(UPPER + DIGITS, length),
  alnum: (length: number): string => fromAlphabet(LOWER + UPPER + DIGITS, length),
  /** Decimal string without a leading zero, for sequence numbers and log event ids. */
  digits: (length: number): string => fromAlphabet('123456789', 1) + fromAlphabet(DIGITS, length - 1),
  base64: (bytes: number): string => randomText(bytes, 'base64'),
  /** IAM unique ids: a four-letter type prefix (AIDA user, AROA role) and 17 characters. */
  iamUniqueId: (prefix: 'AIDA' | 'AROA'): string => prefix + fromAlphabet(UPPER + DIGITS, 17),
  /** X-Ray root ids carry the epoch seconds in hex, as the X-Amzn-Trace-Id header does. */
  traceRoot: (time: Date): string => `1-${Math.floor(time.getTime() / 1000).toString(16)}-${awsIds.hex(24)}`,
  /** An address from TEST-NET-3 (RFC 5737), so no generated event points at a real host. */
  sourceIp: (): string => `203.0.113.${randomInt(1, 255)}`,
};
