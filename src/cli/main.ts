/**
 * The CLI's core: argv in, exit code out. It never calls process.exit, so
 * cleanup (killing sandboxes) always runs; bin/emu.js owns the process boundary.
 */
import { readFileSync } from 'node:fs';
import { EmuError } from '../errors/emu-error.js';
import type { EarlyStart } from '../sandbox/index.js';
import { ExitCode } from './exit-codes.js';
import { reportFailure } from './failure-report.js';
import { processIo, type CliIo } from './io.js';
import { runWithEarlyStart } from './run-command.js';
import { MAIN_USAGE } from './usage.js';

/** earlyStart: the sandbox bin/emu.js started before this bundle loaded, for `emu run` (bin/early-start.cjs). */
export async function main(argv: string[], io: CliIo = processIo, earlyStart?: EarlyStart): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runWithEarlyStart(rest, io, earlyStart);
      case 'bench': {
        const { runBenchCommand } = await import('./bench-command.js');
        return await runBenchCommand(rest, io);
      }
      case 'serve': {
        const { runServeCommand } = await import('./serve-command.js');
        return await runServeCommand(rest, io);
      }
      case 'runtime': {
        const { runRuntimeCommand } = await import('./runtime-command.js');
        return await runRuntimeCommand(rest, io);
      }
      case 'event': {
        const { runEventCommand } = await import('./event-command.js');
        return await runEventCommand(rest, io);
      }
      case '-h':
      case '--help':
      case 'help':
        io.stdout.write(MAIN_USAGE);
        return ExitCode.success;
      case '--version':
        io.stdout.write(`${readVersion()}\n`);
        return ExitCode.success;
      case undefined:
        io.stderr.write(MAIN_USAGE);
        return ExitCode.usage;
      default:
        throw new EmuError('usage', `unknown command '${command}' (try emu --help)`);
    }
  } catch (error) {
    return reportFailure(error, io);
  }
}

function readVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
