export { createPeakRssProbe, type PeakRssProbe, type PeakRssMethod } from './peak-rss.js';
export { billedDurationMs, bytesToMb, mbToBytes } from './billing.js';
