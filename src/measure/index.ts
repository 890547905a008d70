export { createPeakRssProbe, type PeakRssProbe, type PeakRssMethod } from './peak-rss.js';
export { billedDurationMs, bytesToMb, mbToBytes } from './billing.js';
export { AWS_PRICE_PER_GB_SECOND, PRICE_VARIABLES, readPrices, type PricePerGbSecond } from './pricing.js';
export { createSandboxCgroup, ProcessTreeProbe, type SandboxCgroup } from './tree-memory.js';
export { monotonicMs } from './clock.js';
