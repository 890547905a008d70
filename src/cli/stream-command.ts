/**
 * `emu run <handler> events.ndjson --stream`: every line an event, every
 * event one line on stdout in input order, the summary on stderr (and with
 * --summary as JSON). Ctrl-C stops the reading, ends every sandbox and still
 * accounts for every event read.
 */
import { open, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { Emulator, EmulatorOptions } from '../emulator.js';
import { usageError } from '../errors/emu-error.js';
import { readPrices, monotonicMs } from '../measure/index.js';
import type { InvokeOptions } from '../supervisor/index.js';
import {
  BatchedWriter,
  EventStream,
  StreamErrorTypes,
  StreamSummary,
  type EventStreamOutcome,
  type StreamInput,
  type StreamSummaryReport,
} from '../stream/index.js';
import { ExitCode } from './exit-codes.js';
import type { BuildFacts } from './function-build.js';
import type { CliIo } from './io.js';
import { buildRecord } from './render.js';
import type { RunOptions } from './run-options.js';
import { onInterrupt } from './signals.js';
import { formatStreamLine, renderSummary, StreamStderr, tagLogChunk, tagPlatformLine, type StreamRunDescription } from './stream-render.js';

/**
 * `fn` is the function as resolveFunctionOptions settled it (context file included) and built;
 * `invoke` the context file's per-invocation fields; `build` the build's figures, if it was built.
 */
export async function runStreamCommand(options: RunOptions, fn: EmulatorOptions, invoke: InvokeOptions | undefined, io: CliIo, build?: BuildFacts): Promise<number> {
  // Everything that can be refused is refused before a sandbox starts.
  const prices = readPrices(process.env);
  if (options.summaryFile !== undefined) await checkSummaryFolder(options.summaryFile);
  const input = await openInput(options.eventSource, io);
  keepYoungGenerationSmall();
  const run: StreamRunDescription = { mode: fn.mode ?? 'warm', concurrency: options.concurrency ?? 1, ...(build === undefined ? {} : { build: buildRecord(build) }) };
  let wired: WiredStream;
  try {
    wired = await wireStream({ options, fn, invoke }, input, run, io);
  } catch (error) {
    input.destroy?.();
    throw error;
  }
  const { stream, emulator, output, summary, stderr } = wired;
  const { outcome, elapsedMs } = await runToEnd(stream, stderr, output, () => emulator.close());
  const report = summary.report({ elapsedMs, memorySizeMb: emulator.config.memoryMb, prices, interrupted: outcome.interrupted });
  return finish(report, { ...outcome, stdoutFailed: wired.stdoutFailed() }, run, options.summaryFile, io);
}

/** Runs a wired stream to its end, Ctrl-C stopping the reading; then closes what invoked and flushes stdout. */
export async function runToEnd(stream: EventStream, stderr: StreamStderr, output: BatchedWriter, closeInvoker: () => Promise<void>): Promise<{ outcome: EventStreamOutcome; elapsedMs: number }> {
  const startedAt = monotonicMs();
  const stopListening = onInterrupt(() => stream.interrupt());
  stderr.startProgress();
  try {
    return { outcome: await stream.run(), elapsedMs: monotonicMs() - startedAt };
  } finally {
    stopListening();
    stderr.stopProgress();
    await closeInvoker();
    await output.end();
  }
}

interface WiredStream {
  stream: EventStream;
  emulator: Emulator;
  output: BatchedWriter;
  summary: StreamSummary;
  stderr: StreamStderr;
  stdoutFailed(): boolean;
}

/** Emulator, engine, stdout and stderr, connected: records go to the summary and stdout, logs to stderr tagged with their line. */
interface StreamFunction {
  options: RunOptions;
  fn: EmulatorOptions;
  invoke: InvokeOptions | undefined;
}

async function wireStream({ options, fn, invoke }: StreamFunction, input: StreamInput, run: StreamRunDescription, io: CliIo): Promise<WiredStream> {
  const summary = new StreamSummary();
  let stream: EventStream | undefined;
  const lineOf = (requestId: string): number | undefined => stream?.lineOf(requestId);
  const stderr = new StreamStderr(io.stderr, () => ({ events: summary.events, failed: summary.failed, inFlight: stream?.inFlight }));
  const { createEmulator, backPressure } = await import('../emulator.js');
  const emulator = createEmulator({
    ...fn,
    concurrency: run.concurrency,
    prewarm: true, // the first sandbox's Node start overlaps opening the input
    onLog: (chunk) => {
      stderr.write(tagLogChunk(chunk, lineOf));
      return backPressure(io.stderr);
    },
    // Without -v no listener at all: the platform lines are then never even formatted.
    ...(options.verbose ? { onPlatformLog: (line: string, requestId: string) => stderr.write(tagPlatformLine(line, requestId, lineOf)) } : {}),
    onWarning: (message) => stderr.write(`emu: warning: ${message}\n`),
  });
  let stdoutFailed = false;
  const output = new BatchedWriter(io.stdout, (error) => {
    stdoutFailed = true;
    stderr.write(`emu: stdout failed (${(error as NodeJS.ErrnoException).code ?? error.message}): stopping; later output lines are lost\n`);
    stream?.interrupt();
  });
  stream = new EventStream({
    input,
    invoker: emulator,
    maxInFlight: run.concurrency,
    invokeOptions: streamInvokeOptions(invoke, stderr),
    sink: {
      write: (record) => {
        summary.add(record);
        return output.write(formatStreamLine(record, options.json));
      },
      waitForDrain: () => output.waitForDrain(),
    },
  });
  return { stream, emulator, output, summary, stderr, stdoutFailed: () => stdoutFailed };
}

export async function finish(
  report: StreamSummaryReport,
  outcome: EventStreamOutcome & { stdoutFailed: boolean },
  run: StreamRunDescription,
  summaryFile: string | undefined,
  io: CliIo,
): Promise<number> {
  if (outcome.interrupted && !outcome.stdoutFailed) io.stderr.write(`emu: interrupted after ${report.events} events read; each has its output line\n`);
  if (outcome.readError !== undefined) io.stderr.write(`emu: reading the events failed: ${outcome.readError.message}\n`);
  io.stderr.write(renderSummary(report, run));
  if (summaryFile !== undefined) await writeFile(summaryFile, `${JSON.stringify({ ...run, ...report }, null, 2)}\n`);
  if (outcome.interrupted) return ExitCode.interrupted;
  if (outcome.readError !== undefined || report.failedByErrorType[StreamErrorTypes.internal] !== undefined) return ExitCode.internal;
  return report.failed > 0 ? ExitCode.functionError : ExitCode.success;
}

export async function openInput(source: string | undefined, io: CliIo): Promise<StreamInput> {
  if (source === undefined) throw usageError('--stream reads NDJSON events: give a file, or - for stdin');
  if (source === '-') {
    const stdin = io.stdin as NodeJS.ReadableStream & { destroy?(): unknown };
    return { [Symbol.asyncIterator]: () => stdin[Symbol.asyncIterator](), destroy: () => stdin.destroy?.() };
  }
  const info = await stat(source).catch(() => undefined);
  if (info === undefined) throw usageError(`cannot read events file ${source}: not found`);
  if (info.isDirectory()) throw usageError(`cannot read events file ${source}: is a folder`);
  const handle = await open(source, 'r').catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot read events file ${source}: ${error.code ?? error.message}`);
  });
  return handle.createReadStream({ highWaterMark: 64 * 1024 });
}

export async function checkSummaryFolder(file: string): Promise<void> {
  const folder = path.dirname(path.resolve(file));
  const info = await stat(folder).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) throw usageError(`--summary ${file}: folder ${folder} not found`);
}

/** Context overrides apply to every event, except the request id: each event needs its own. */
function streamInvokeOptions(invoke: InvokeOptions | undefined, stderr: StreamStderr): Omit<InvokeOptions, 'requestId'> {
  const { requestId, ...rest } = invoke ?? {};
  if (requestId !== undefined) stderr.write('emu: warning: awsRequestId from --context is ignored with --stream: every event gets its own\n');
  return rest;
}

/**
 * V8 doubles its young generation whenever enough objects survive a scavenge, up to
 * 2 × 16 MB here: a long stream's supervisor would sit ~30 MB above where it started
 * for no lasting data. Growth factor 1 keeps the young generation at its initial size
 * (the flag is read at each resize, so it works after start-up, unlike
 * --max-semi-space-size); scavenges become more frequent but stay small.
 */
function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

