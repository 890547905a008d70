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

test('any lines, joined with \\n or \\r\\n and cut anywhere, come back numbered, trimmed, blanks skipped', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(lineText, { maxLength: 30 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 20 }), async (lines, crlf, cuts) => {
      const input = Buffer.from(lines.join(crlf ? '\r\n' : '\n'), 'utf8');
      const expected = lines
        .map((text, index) => ({ line: index + 1, text: text.trim() }))
        .filter((entry) => entry.text !== '');
      assert.deepEqual(await readAll(split(input, cuts)), expected);
    }),
    { numRuns: 300 },
  );
});

test('arbitrary bytes, invalid UTF-8 included, never throw and never lose a line break', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 10 }), async (bytes, cuts) => {
      const input = Buffer.from(bytes);
      const lines = await readAll(split(input, cuts));
      const breaks = input.filter((byte) => byte === 0x0a).length;
      assert.ok(lines.every((entry) => entry.line >= 1 && entry.line <= breaks + 1 && entry.text === entry.text.trim() && entry.text !== ''));
      assert.ok(lines.every((entry, index) => index === 0 || entry.line > (lines[index - 1]?.line ?? 0)), 'line numbers only increase');
    }),
    { numRuns: 300 },
  );
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
