/** AWS's billing arithmetic, in one place. */

const BYTES_PER_MB = 1024 * 1024;

/**
 * Billed Duration: rounded up to 1 ms (since Dec 2020), and on a cold start
 * the Init Duration is billed too (on-demand managed runtimes, since Aug 2025).
 */
export function billedDurationMs(durationMs: number, initDurationMs?: number): number {
  return Math.ceil(durationMs + (initDurationMs ?? 0));
}

/** Max Memory Used as AWS reports it: whole MB. */
export function bytesToMb(bytes: number): number {
  return Math.ceil(bytes / BYTES_PER_MB);
}

export function mbToBytes(mb: number): number {
  return mb * BYTES_PER_MB;
}
