/**
 * `emu run <handler | LogicalId> [event]`: one invocation, its payload on
 * stdout and nothing else there; logs (and with -v Lambda's own lines) on stderr.
 */
import { offerEarlyStart, type EarlyStart } from '../sandbox/index.js';
import type { InvocationResult } from '../supervisor/index.js';
import { readContextFile } from './context-file.js';
import { readEventJson } from './event-input.js';
import { buildIfNeeded } from './function-build.js';
import { ExitCode } from './exit-codes.js';
import type { SetupReporter } from './function-setup.js';
import { resolveFunctionOptions } from './function-options.js';
import type { CliIo } from './io.js';
import { buildRecord, displayLog, toJsonRecord } from './render.js';
import { parseRunOptions } from './run-options.js';
import { onInterrupt } from './signals.js';
import { streamToStdout } from './stream-output.js';
import { lookUpTemplateFunction } from './template-lookup.js';
import { RUN_USAGE } from './usage.js';

/** A run from the command line: the sandbox bin/emu.js started early, if any, is offered to its first launch. */
export function runWithEarlyStart(argv: string[], io: CliIo, earlyStart: EarlyStart | undefined): Promise<number> {
  if (earlyStart !== undefined) offerEarlyStart(earlyStart);
  return runCommand(argv, io);
}

export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseRunOptions(argv);
  if (options.help) {
    io.stdout.write(RUN_USAGE);
    return ExitCode.success;
  }
  if (options.remote !== undefined) {
    const { runRemoteStreamCommand } = await import('./remote-stream-command.js');
    return runRemoteStreamCommand(options, options.remote, io);
  }
  // Everything that can be checked cheaply is checked before a sandbox starts (the resolver: local files first, then STS).
  const reporter = setupReporter(io, options.verbose);
  const template = await lookUpTemplateFunction(options.handler, options.template, options.emulator, reporter);
  const context = options.contextFile === undefined ? undefined : await readContextFile(options.contextFile);
  const fileEvent = options.stream || options.eventSource === '-' ? undefined : await readEventJson(options.eventSource);
  const sources = {
    handler: options.handler,
    flags: options.emulator,
    setup: options.setup,
    ...(context === undefined ? {} : { context: context.emulator }),
    ...(template === undefined ? {} : { template }),
  };
  const { fn: functionOptions, build } = await buildIfNeeded(await resolveFunctionOptions(sources, reporter), reporter);
  if (options.stream) {
    const { runStreamCommand } = await import('./stream-command.js');
    return runStreamCommand(options, functionOptions, context?.invoke, io, build);
  }

  const { createEmulator, backPressure } = await import('../emulator.js');
  const emulator = createEmulator({
    ...functionOptions,
    prewarm: true, // the sandbox's Node start overlaps reading stdin and the rest of our own start-up
    onLog: (chunk) => {
      io.stderr.write(displayLog(chunk));
      return backPressure(io.stderr);
    },
    ...(options.verbose ? { onPlatformLog: (line: string) => io.stderr.write(`${line}\n`) } : {}),
    onWarning: (message) => io.stderr.write(`emu: warning: ${message}\n`),
  });

  // A streamed response goes to stdout as it comes; --json collects it into its one record.
  const streamer = options.json ? undefined : streamToStdout(io.stdout);
  const finished: Promise<InvocationResult> = (async () => {
    const eventJson = fileEvent ?? (await readEventJson('-', io.stdin));
    return emulator.invokeJson(eventJson, streamer === undefined ? context?.invoke : { ...context?.invoke, onResponseStream: streamer.onResponseStream });
  })();
  let interrupted = false;
  const interruption = new Promise<undefined>((resolve) => {
    const stopListening = onInterrupt(() => {
      interrupted = true;
      resolve(undefined);
    });
    void finished.finally(stopListening).catch(() => {});
  });
  try {
    const result = await Promise.race([finished, interruption]);
    if (interrupted || result === undefined) {
      io.stderr.write('emu: interrupted\n');
      return ExitCode.interrupted;
    }
    const record = build === undefined ? toJsonRecord(result) : { ...toJsonRecord(result), build: buildRecord(build) };
    const streamed = (await streamer?.finished()) === true;
    if (!streamed) io.stdout.write(options.json ? `${JSON.stringify(record)}\n` : `${result.payloadJson}\n`);
    if (result.error !== undefined) {
      const message = result.error.errorMessage.split('\n')[0];
      io.stderr.write(`emu: the function failed: ${result.error.errorType}: ${message}\n`);
      return ExitCode.functionError;
    }
    return ExitCode.success;
  } finally {
    await emulator.close();
    void finished.catch(() => {}); // after an interrupt its rejection is expected
  }
}

function setupReporter(io: CliIo, verbose: boolean): SetupReporter {
  return {
    notice: (message) => io.stderr.write(`emu: ${message}\n`),
    warning: (message) => io.stderr.write(`emu: warning: ${message}\n`),
    verbose,
  };
}
