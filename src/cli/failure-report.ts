/** How a command that threw ends: a usage error in one line (exit 2), anything else as emu's own failure (exit 3). */
import { EmuError } from '../errors/emu-error.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

export function reportFailure(error: unknown, io: CliIo): number {
  if (error instanceof EmuError && error.kind === 'usage') {
    io.stderr.write(`emu: ${error.message}\n`);
    return ExitCode.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`emu: internal error: ${message}\n`);
  if (process.env.EMU_DEBUG !== undefined && error instanceof Error) io.stderr.write(`${error.stack}\n`);
  return ExitCode.internal;
}
