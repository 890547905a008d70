import { usageError } from '../errors/emu-error.js';
import type { CliIo } from './io.js';
import type { RunOptions } from './run-options.js';

export async function runStreamCommand(_options: RunOptions, _io: CliIo): Promise<number> {
  throw usageError('--stream is not available in this build yet');
}
