// The ids every invocation draws (src/events/kernel-random.ts): version 4 UUIDs as crypto.randomUUID()
// writes them, bytes never handed out twice, across the pool's refills and past its size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomText, randomUuid } from '../src/events/kernel-random.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('randomUuid gives version 4, variant 1 UUIDs, all distinct over several refills of the pool', () => {
  const ids = Array.from({ length: 3000 }, () => randomUuid()); // 48 KB: twelve pools
  for (const id of ids) assert.match(id, UUID_V4);
  assert.equal(new Set(ids).size, ids.length);
  // Every other hex digit takes all 16 values: the bytes are random, not a counter or a constant.
  const digits = new Set(ids.map((id) => id[0]));
  assert.equal(digits.size, 16);
});

test('randomText gives count fresh bytes in the encoding, below, at and past the pool size', () => {
  for (const count of [1, 20, 4095, 4096, 4097, 10_000]) {
    const hex = randomText(count, 'hex');
    assert.match(hex, new RegExp(`^[0-9a-f]{${count * 2}}$`));
    assert.equal(Buffer.from(randomText(count, 'base64'), 'base64').length, count);
  }
  // A pool's bytes go out once: 4 KB of 20-byte draws hold no repeat.
  const draws = Array.from({ length: 400 }, () => randomText(20, 'hex'));
  assert.equal(new Set(draws).size, draws.length);
  // Past the pool's size, the bytes are not all one value (a buffer left unfilled would be zeros).
  assert.notEqual(randomText(8192, 'hex'), '00'.repeat(8192));
});
