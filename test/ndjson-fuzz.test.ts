// Property-based tests of the NDJSON reader: any text, any chunk splits, any bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { readNdjsonLines } from '../src/stream/index.js';

async function readAll(chunks: Array<Buffer | string>): Promise<Array<{ line: number; text: string }>> {
  const lines = [];
  for await (const line of readNdjsonLines((async function* () {
    yield* chunks;
  })())) lines.push(line);
  return lines;
}

/** Splits bytes at the given cut points (any place, even inside a multi-byte character). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

const lineText = fc.string({ unit: 'grapheme', maxLength: 40 }).map((text) => text.replace(/[\r\n]/g, ''));

/** What JSON.parse skips around a value (String#trim would also take U+00A0, U+2028, U+FEFF …). */
const jsonTrim = (text: string): string => text.replace(/^[ \t\r]+/, '').replace(/[ \t\r]+$/, '');

/**
 * The reader's contract, computed another way: the input cut at every 0x0A byte, each piece decoded
 * on its own (a line break is never part of a multi-byte character, so invalid UTF-8 cannot swallow
 * one), a leading BOM dropped, JSON whitespace trimmed; every piece left non-blank is one line, with
 * its exact number.
 */
function expectedLines(input: Buffer): Array<{ line: number; text: string }> {
  const expected = [];
  let start = 0;
  for (let line = 1; ; line++) {
    const end = input.indexOf(0x0a, start);
    const piece = input.subarray(start, end === -1 ? input.length : end).toString('utf8');
    const text = jsonTrim(line === 1 ? piece.replace(/^\uFEFF/, '') : piece);
    if (text !== '') expected.push({ line, text });
    if (end === -1) return expected;
    start = end + 1;
  }
}

/** Bytes where the edge cases are: line breaks, CR, spaces, BOM and NBSP bytes, lone and truncated multi-byte sequences, surrogates. */
const edgyByte = fc.oneof(
  fc.constantFrom(0x0a, 0x0a, 0x0d, 0x20, 0x09, 0x7b, 0x7d, 0x22, 0xff, 0xfe, 0xc0, 0xc2, 0xa0, 0xc3, 0xa9, 0xe2, 0x80, 0xa8, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0xef, 0xbb, 0xbf, 0xed, 0xa0),
  fc.integer({ min: 0, max: 255 }),
);

test('any lines, joined with \\n or \\r\\n and cut anywhere, come back numbered, trimmed, blanks skipped', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(lineText, { maxLength: 30 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 20 }), async (lines, crlf, cuts) => {
      const input = Buffer.from(lines.join(crlf ? '\r\n' : '\n'), 'utf8');
      const expected = lines
        .map((text, index) => ({ line: index + 1, text: jsonTrim(index === 0 ? text.replace(/^\uFEFF/, '') : text) }))
        .filter((entry) => entry.text !== '');
      assert.deepEqual(await readAll(split(input, cuts)), expected);
    }),
    { numRuns: 300 },
  );
});

test('arbitrary bytes, invalid UTF-8 included: every non-blank line comes back once, with its exact number and text', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(edgyByte, { maxLength: 300 }), fc.array(fc.nat(), { maxLength: 20 }), async (bytes, cuts) => {
      const input = Buffer.from(bytes);
      assert.deepEqual(await readAll(split(input, cuts)), expectedLines(input));
    }),
    { numRuns: 1000 },
  );
});

test('lines of invalid UTF-8 or of Unicode spaces are lines, not blanks', async () => {
  const input = Buffer.concat([
    Buffer.from('{"a":1}\n'),
    Buffer.from([0xff, 0x0a]), // 2: invalid UTF-8 alone
    Buffer.from([0x7b, 0x22, 0x62, 0x22, 0x3a, 0x22, 0xc3, 0x22, 0x7d, 0x0a]), // 3: {"b":"<truncated é>"}
    Buffer.from('\u00a0\n\ufeff\n \t\r\n'), // 4: NBSP, 5: a BOM mid-stream, 6: blank
    Buffer.from([0xe2, 0x82]), // 7: a truncated € at the very end
  ]);
  assert.deepEqual(await readAll(split(input, [3, 9, 10, 17, 30, 35])), [
    { line: 1, text: '{"a":1}' },
    { line: 2, text: '\uFFFD' },
    { line: 3, text: '{"b":"\uFFFD"}' },
    { line: 4, text: '\u00a0' },
    { line: 5, text: '\ufeff' },
    { line: 7, text: '\uFFFD' },
  ]);
});

test('a very long line in many small chunks is read whole, in linear time', async () => {
  const long = `{"data":"${'x'.repeat(16 * 1024 * 1024)}"}`;
  const bytes = Buffer.from(`${long}\n{"after":true}\n`);
  const chunks = split(bytes, Array.from({ length: 4096 }, (_, i) => i * 4096));
  const started = performance.now();
  const lines = await readAll(chunks);
  assert.deepEqual(lines.map((entry) => entry.line), [1, 2]);
  assert.equal(lines[0]?.text.length, long.length);
  assert.ok(performance.now() - started < 10_000, 'not quadratic');
});
