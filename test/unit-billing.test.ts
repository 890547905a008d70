// AWS's billing arithmetic and price overrides: the Billed Duration, Max Memory Used and cost figures a developer compares with AWS.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmuError } from '../src/errors/emu-error.js';
import { billedDurationMs, bytesToMb, mbToBytes } from '../src/measure/billing.js';
import { AWS_PRICE_PER_GB_SECOND, PRICE_VARIABLES, readPrices } from '../src/measure/pricing.js';

describe('billing', () => {
  test('Billed Duration rounds up to the next millisecond; a whole number stays as it is', () => {
    assert.equal(billedDurationMs(0.01), 1);
    assert.equal(billedDurationMs(12.2), 13);
    assert.equal(billedDurationMs(12), 12);
    assert.equal(billedDurationMs(0), 0);
  });

  test('on a cold start the Init Duration is billed too, rounded up once over the sum', () => {
    assert.equal(billedDurationMs(10.4, 100.4), 111);
    assert.equal(billedDurationMs(10.5, 0.5), 11);
    assert.equal(billedDurationMs(3, undefined), 3);
  });

  test('Max Memory Used is whole MB (of 1,048,576 bytes), rounded up', () => {
    assert.equal(bytesToMb(1), 1);
    assert.equal(bytesToMb(1024 * 1024), 1);
    assert.equal(bytesToMb(1024 * 1024 + 1), 2);
    assert.equal(bytesToMb(0), 0);
    assert.equal(mbToBytes(128), 134_217_728);
    assert.equal(bytesToMb(mbToBytes(3008)), 3008);
  });
});

describe('readPrices', () => {
  test("AWS's published first-tier prices by default, and for empty overrides", () => {
    assert.deepEqual(readPrices({}), { x86_64: 0.0000166667, arm64: 0.0000133334 });
    assert.deepEqual(readPrices({ [PRICE_VARIABLES.x86_64]: '', [PRICE_VARIABLES.arm64]: '' }), AWS_PRICE_PER_GB_SECOND);
    assert.deepEqual(PRICE_VARIABLES, { x86_64: 'EMU_PRICE_X86_64_PER_GB_SECOND', arm64: 'EMU_PRICE_ARM64_PER_GB_SECOND' });
  });

  test('each architecture can be overridden on its own; zero is a price', () => {
    assert.deepEqual(readPrices({ EMU_PRICE_ARM64_PER_GB_SECOND: '0.00002' }), { x86_64: 0.0000166667, arm64: 0.00002 });
    assert.deepEqual(readPrices({ EMU_PRICE_X86_64_PER_GB_SECOND: '0' }), { x86_64: 0, arm64: 0.0000133334 });
    assert.deepEqual(AWS_PRICE_PER_GB_SECOND, { x86_64: 0.0000166667, arm64: 0.0000133334 }, 'the defaults are not changed by an override');
  });

  test('a price that is not a finite, non-negative number is a usage error naming the variable and the text', () => {
    for (const [name, text] of [
      ['EMU_PRICE_X86_64_PER_GB_SECOND', 'cheap'],
      ['EMU_PRICE_ARM64_PER_GB_SECOND', '-0.1'],
      ['EMU_PRICE_ARM64_PER_GB_SECOND', 'Infinity'],
    ] as const) {
      assert.throws(
        () => readPrices({ [name]: text }),
        (error: unknown) =>
          error instanceof EmuError && error.kind === 'usage' && error.message === `${name} must be a price in USD per GB-second, got '${text}'`,
        `${name}=${text}`,
      );
    }
  });
});
