import { randomInt } from 'node:crypto';
import { randomText, randomUuid } from './kernel-random.js';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';

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
  uuid: (): string => randomUuid(),
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
