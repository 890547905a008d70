/**
 * The supervisor's clock: milliseconds of CLOCK_MONOTONIC (process.hrtime), as fractions. Not
 * performance.now(): the global `performance` loads node:perf_hooks (~1.4 ms, ten modules) on
 * every one-shot `emu run`'s path, and this clock is also the one the launcher
 * (native/emu-launch.c) and bin/early-start.cjs report an early process's start in.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
