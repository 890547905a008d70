// The stream's log tagging finds a record's request id from its dashes (src/cli/stream-render.ts):
// it must find exactly what a plain scan with the same regular expression finds, on any text.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { firstRequestId, tagLogChunk } from '../src/cli/stream-render.js';

const SCAN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

// Text dense in near-misses: hex digits, dashes, an uppercase hex digit, and pieces of real ids.
const piece = fc.oneof(
  fc.constantFrom('a', '0', 'f', '9', '-', 'g', 'A', ' ', '\t', '"'),
  fc.constant(randomUUID()),
  fc.constant(randomUUID().slice(0, 23)),
  fc.constant(randomUUID().slice(5)),
  fc.constant(randomUUID().replace(/-/g, '')),
);
const text = fc.array(piece, { maxLength: 60 }).map((pieces) => pieces.join(''));

test('firstRequestId finds what a scan with the regular expression finds, on any text', () => {
  fc.assert(
    fc.property(text, (record) => {
      assert.equal(firstRequestId(record), SCAN.exec(record)?.[0]);
    }),
    { numRuns: 5000 },
  );
});

test('the edges: an id at the very start, at the very end, overlapping a near-miss, and none at all', () => {
  const id = '0123abcd-4567-89ab-cdef-0123456789ab';
  for (const record of [id, `x${id}`, `${id}x`, `0123abcd-${id}`, `a-b-c-d-${id}-e`, 'x'.repeat(1_000_000), `${'ab'.repeat(500_000)}-`, '']) {
    assert.equal(firstRequestId(record), SCAN.exec(record)?.[0], JSON.stringify(record.slice(0, 60)));
  }
  assert.equal(firstRequestId(`2026-12-04T19:00:00.000Z\t${id}\tINFO\thello`), id);
});

test('tagLogChunk tags each record with the line of the request id it names, and only those in flight', () => {
  const inFlight = randomUUID();
  const other = randomUUID();
  const chunk = Buffer.from(`2026-12-04T19:00:00.000Z\t${inFlight}\tINFO\tone\nplain line\n{"requestId":"${other}","message":"x"}\n`);
  const tagged = tagLogChunk(chunk, (requestId) => (requestId === inFlight ? 7 : undefined));
  assert.equal(tagged, `[#7] 2026-12-04T19:00:00.000Z\t${inFlight}\tINFO\tone\nplain line\n{"requestId":"${other}","message":"x"}\n`);
});
