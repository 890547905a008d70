/**
 * `emu run <function> events.ndjson --stream --remote`: the same stream, output
 * lines and summary as a local one, each event sent to a Lambda Invoke API
 * (AWS's, or --endpoint-url's). The figures are the service's REPORT lines;
 * the summary adds the retries and what they mean.
 */
import { readPrices } from '../measure/index.js';
import { RemoteInvoker, describeTarget, type RemoteStats } from '../remote/index.js';
import { BatchedWriter, EventStream, StreamSummary, jsonProblem, readNdjsonLines } from '../stream/index.js';
import { usageError } from '../errors/emu-error.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { remoteTarget, type RemoteFlags } from './remote-options.js';
import type { RunOptions } from './run-options.js';
import { checkSummaryFolder, finish, openInput, runToEnd } from './stream-command.js';
import { formatStreamLine, StreamStderr, type StreamRunDescription } from './stream-render.js';

export async function runRemoteStreamCommand(options: RunOptions, remote: RemoteFlags, io: CliIo): Promise<number> {
  const prices = readPrices(process.env);
  if (options.summaryFile !== undefined) await checkSummaryFolder(options.summaryFile);
  const target = remoteTarget(options, remote);
  const concurrency = options.concurrency ?? 1;
  const input = await openInput(options.eventSource, io);
  const invoker = new RemoteInvoker({ target, concurrency, timeoutMs: remote.timeoutMs, onLog: (text, id) => writeTail(text, stream.lineOf(id)) });
  const region = await invoker.region().catch(async (error: unknown) => {
    input.destroy?.();
    await invoker.close();
    throw usageError(`--remote: no AWS region (${error instanceof Error ? error.message : String(error)}); give --region or set AWS_REGION`);
  });
  const description = describeTarget(target, region);
  if (remote.dryRun) {
    await invoker.close();
    return dryRun(input, description, concurrency, io);
  }
  const summary = new StreamSummary();
  const stderr = new StreamStderr(io.stderr, () => ({ events: summary.events, failed: summary.failed, inFlight: stream.inFlight }));
  const writeTail = (text: string, line: number | undefined): void => {
    const shown = options.verbose ? text : text.replace(PLATFORM_LINES, '');
    if (shown !== '') stderr.write(shown.replace(/[^\n]+/g, (record) => `[#${line ?? '?'}] ${record}`));
  };
  let stdoutFailed = false;
  const output = new BatchedWriter(io.stdout, (error) => {
    stdoutFailed = true;
    stderr.write(`emu: stdout failed (${(error as NodeJS.ErrnoException).code ?? error.message}): stopping; later output lines are lost\n`);
    stream.interrupt();
  });
  const stream: EventStream = new EventStream({
    input,
    invoker,
    maxInFlight: concurrency,
    sink: { write: (record) => (summary.add(record), output.write(formatStreamLine(record, options.json))), waitForDrain: () => output.waitForDrain() },
  });
  io.stderr.write(`emu: --remote: sending to ${description}, -c ${concurrency}\n`);
  const { outcome, elapsedMs } = await runToEnd(stream, stderr, output, () => invoker.close());
  const memorySizeMb = invoker.stats.memorySizeMb ?? 0;
  const report = summary.report({ elapsedMs, memorySizeMb, prices, interrupted: outcome.interrupted });
  const run: StreamRunDescription = { mode: 'remote', concurrency, remote: remoteFacts(description, invoker.stats) };
  writeRemoteNotes(invoker.stats, report.interruptedEvents, io);
  return finish(report, { ...outcome, stdoutFailed }, run, options.summaryFile, io);
}

/** START / END / REPORT / INIT_START lines and JSON platform.* records: Lambda's own, shown with -v as locally. */
const PLATFORM_LINES = /^(?:(?:START|END|REPORT) RequestId:|INIT_START |INIT_REPORT |\{"time":"[^"]*","type":"platform\.)[^\n]*\n?/gm;

export function remoteFacts(description: string, stats: RemoteStats): NonNullable<StreamRunDescription['remote']> {
  return {
    target: description,
    figures: 'as reported by the service (REPORT lines of LogType Tail)',
    retries: { ...stats.retries, total: stats.retries.throttled + stats.retries['server-error'] + stats.retries['connection-failed'] },
    gaveUp: stats.gaveUp,
    timeouts: stats.timeouts,
    withoutReport: stats.withoutReport,
  };
}

function writeRemoteNotes(stats: RemoteStats, interruptedEvents: number, io: CliIo): void {
  const retried = stats.retries['connection-failed'];
  if (retried > 0) io.stderr.write(`emu: ${retried} retr${retried === 1 ? 'y' : 'ies'} after a connection failed before any answer: those events may have run on the service more than once\n`);
  if (stats.withoutReport > 0) io.stderr.write(`emu: ${stats.withoutReport} answer(s) had no REPORT line in their log tail: their Duration is the round trip the client saw\n`);
  if (interruptedEvents > 0) io.stderr.write(`emu: ${interruptedEvents} event(s) got no answer before the interruption: those already sent may have run on the service\n`);
}

async function dryRun(input: AsyncIterable<Buffer | string>, description: string, concurrency: number, io: CliIo): Promise<number> {
  let events = 0;
  let invalid = 0;
  for await (const { text } of readNdjsonLines(input)) {
    if (jsonProblem(text) === undefined) events += 1;
    else invalid += 1;
  }
  const skipped = invalid === 0 ? '' : ` (${invalid} line(s) not JSON: not sent, each would get an Emu.InvalidJSON line)`;
  io.stdout.write(`dry run: would send ${events} event(s)${skipped} to ${description}, at most ${concurrency} at once; nothing sent\n`);
  return ExitCode.success;
}
