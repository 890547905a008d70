/**
 * The CLI for `emu run` alone, the bundle bin/emu.js loads for a run (dist/cli/run.cjs; every
 * other command loads main.ts's). It leaves out the other commands and what only they use (the
 * HTTP front doors, events, bench): half the source to read and compile on every one-shot run's
 * path, 3-5 ms of it (31 interleaved runs).
 */
import type { EarlyStart } from '../sandbox/index.js';
import { reportFailure } from './failure-report.js';
import { processIo, type CliIo } from './io.js';
import { runWithEarlyStart } from './run-command.js';

/** main.ts's main() for an argv that begins with `run`. */
export async function main(argv: string[], io: CliIo = processIo, earlyStart?: EarlyStart): Promise<number> {
  try {
    return await runWithEarlyStart(argv.slice(1), io, earlyStart);
  } catch (error) {
    return reportFailure(error, io);
  }
}
