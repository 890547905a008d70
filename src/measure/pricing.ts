/** AWS's duration price, and the user's overrides of it: shared by the stream summary and emu bench. */
import { usageError } from '../errors/emu-error.js';

export interface PricePerGbSecond {
  x86_64: number;
  arm64: number;
}

/** AWS's published on-demand duration price, USD per GB-second, first tier (us-east-1). Requests ($0.20 per million) are not included. */
export const AWS_PRICE_PER_GB_SECOND: Readonly<PricePerGbSecond> = { x86_64: 0.0000166667, arm64: 0.0000133334 };

/** Overrides of AWS's price per GB-second (USD), e.g. for another region or a negotiated rate. */
export const PRICE_VARIABLES = { x86_64: 'EMU_PRICE_X86_64_PER_GB_SECOND', arm64: 'EMU_PRICE_ARM64_PER_GB_SECOND' } as const;

export function readPrices(env: NodeJS.ProcessEnv): PricePerGbSecond {
  const prices = { ...AWS_PRICE_PER_GB_SECOND };
  for (const architecture of ['x86_64', 'arm64'] as const) {
    const text = env[PRICE_VARIABLES[architecture]];
    if (text === undefined || text === '') continue;
    const price = Number(text);
    if (!Number.isFinite(price) || price < 0) throw usageError(`${PRICE_VARIABLES[architecture]} must be a price in USD per GB-second, got '${text}'`);
    prices[architecture] = price;
  }
  return prices;
}
