/**
 * `emu bench <handler | LogicalId> [events]`: the figures on stdout (tables, or one JSON
 * document with --json), progress on a terminal's stderr, and the CI gates
 * deciding the exit code. Everything that can be refused (bad events, a
 * baseline that is missing, damaged or not comparable) is refused before a
 * sandbox starts.
 */
import { readPrices } from '../measure/index.js';
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  buildBenchReport,
  checkComparable,
  compareWithBaseline,
  loadBaseline,
  maxDurationGate,
  maxMemoryGate,
  measuredOn,
  readBenchEvents,
  renderBenchHtml,
  runBench,
  saveBaseline,
  serializeReport,
  type BenchEvents,
  type BenchReport,
  type BenchSamples,
  type GateResult,
  type ReportContext,
} from '../bench/index.js';
import { usageError } from '../errors/emu-error.js';
import { parseBenchOptions, BENCH_USAGE, type BenchOptions } from './bench-options.js';
import { BenchProgressLine, renderBenchReport, renderGates } from './bench-render.js';
import { ExitCode } from './exit-codes.js';
import { buildIfNeeded, type BuildFacts } from './function-build.js';
import { resolveFunctionOptions, type ResolvedFunction } from './function-options.js';
import type { CliIo } from './io.js';
import { displayLog } from './render.js';
import { onInterrupt } from './signals.js';
import { lookUpTemplateFunction } from './template-lookup.js';

export async function runBenchCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseBenchOptions(argv);
  if (options.help) {
    io.stdout.write(BENCH_USAGE);
    return ExitCode.success;
  }
  if (options.remote !== undefined) {
    const { runRemoteBenchCommand } = await import('./remote-bench-command.js');
    return runRemoteBenchCommand(options, options.remote, io);
  }
  if (options.compareRemote !== undefined) {
    const { runCompareRemoteCommand } = await import('./compare-remote-command.js');
    return runCompareRemoteCommand(options, options.compareRemote, io);
  }
  const reporter = {
    notice: (message: string) => io.stderr.write(`emu: ${message}\n`),
    warning: (message: string) => io.stderr.write(`emu: warning: ${message}\n`),
    verbose: options.verbose,
  };
  const template = await lookUpTemplateFunction(options.handler, options.template, options.emulator, reporter);
  const events = await readEvents(options.eventSource, io);
  for (const file of [options.htmlFile, options.saveBaselineFile]) if (file !== undefined) await checkFolder(file);
  const baseline = options.baselineFile === undefined ? undefined : await loadBaseline(options.baselineFile);
  // It may call STS for a role; the one check after it needs the function's settled memory size.
  const sources = { handler: options.handler, flags: options.emulator, setup: options.setup, ...(template === undefined ? {} : { template }) };
  const source = await resolveFunctionOptions(sources, reporter);
  // The report names the function as the user wrote it, not its build's folder in the cache.
  const { fn, build } = await buildIfNeeded(source, reporter);
  const context = reportContext(options, source, events, build);
  const notes = baseline === undefined ? [] : checkComparable(baseline, measuredOn(context), options.modes, options.baselineFile ?? '');

  const samples = await runWithProgress(options, fn, context, io);
  if (samples.interrupted) {
    io.stderr.write(`emu: interrupted after ${samples.samples.length} invocations; no report\n`);
    return ExitCode.interrupted;
  }
  const report = buildBenchReport(samples, context);
  const gates = evaluateGates(options, report, samples, baseline, notes);
  if (gates.length > 0) report.gates = gates;
  return finish(options, report, samples, io);
}

export function reportContext(options: BenchOptions, fn: ResolvedFunction, events: BenchEvents, build: BuildFacts | undefined): ReportContext {
  const codeDir = path.resolve(fn.codeDir);
  return {
    ...(build === undefined ? {} : { build: { durationMs: build.buildMs, cacheHit: build.cacheHit } }),
    handler: fn.handler,
    codeDir: path.relative(process.cwd(), codeDir).split(path.sep).join('/') || '.',
    events,
    memorySizeMb: fn.memoryMb,
    timeoutSeconds: fn.timeoutSeconds,
    runs: options.runs,
    concurrency: options.concurrency,
    modes: options.modes,
    prices: readPrices(process.env),
  };
}

export async function readEvents(source: string | undefined, io: CliIo): Promise<BenchEvents> {
  if (source === undefined) return readBenchEvents(undefined, 'events');
  if (source === '-') return readBenchEvents(io.stdin as AsyncIterable<Buffer | string>, 'events on stdin');
  const info = await stat(source).catch(() => undefined);
  if (info === undefined) throw usageError(`cannot read events file ${source}: not found`);
  if (info.isDirectory()) throw usageError(`cannot read events file ${source}: is a folder`);
  return readBenchEvents(createReadStream(source), `events file ${source}`);
}

export async function checkFolder(file: string): Promise<void> {
  const folder = path.dirname(path.resolve(file));
  const info = await stat(folder).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) throw usageError(`${file}: folder ${folder} not found`);
}

export async function runWithProgress(options: BenchOptions, fn: ResolvedFunction, context: ReportContext, io: CliIo): Promise<BenchSamples> {
  const progress = new BenchProgressLine(io.stderr);
  const aborter = new AbortController();
  const stopListening = onInterrupt(() => aborter.abort());
  try {
    return await runBench({
      handler: fn.handler,
      function: fn,
      events: context.events.events,
      runs: options.runs,
      modes: options.modes,
      concurrency: options.concurrency,
      signal: aborter.signal,
      onProgress: ({ done, total, failed }) => progress.update(done, total, failed),
      onWarning: (message) => {
        progress.clear();
        io.stderr.write(`emu: warning: ${message}\n`);
      },
      ...(options.verbose ? { onLog: (chunk: Buffer) => (progress.clear(), io.stderr.write(displayLog(chunk))) } : {}),
    });
  } finally {
    stopListening();
    progress.clear();
  }
}

export function evaluateGates(options: BenchOptions, report: BenchReport, samples: BenchSamples, baseline: BenchReport | undefined, notes: string[]): GateResult[] {
  const gates: GateResult[] = [];
  if (options.maxMemoryMb !== undefined) gates.push(maxMemoryGate(samples.samples, options.maxMemoryMb));
  if (options.maxDurationMs !== undefined) gates.push(maxDurationGate(report, options.maxDurationMs));
  if (baseline !== undefined && options.baselineFile !== undefined) {
    const tolerances = { memoryPct: options.memoryTolerancePct, durationPct: options.durationTolerancePct };
    gates.push(compareWithBaseline(baseline, report, tolerances, options.baselineFile, notes));
  }
  return gates;
}

export async function finish(options: BenchOptions, report: BenchReport, samples: BenchSamples, io: CliIo): Promise<number> {
  const gates = report.gates ?? [];
  io.stdout.write(options.json ? serializeReport(report) : `${renderBenchReport(report, samples.samples)}${gates.length > 0 ? `\n${renderGates(gates)}` : ''}`);
  const failedInvocations = samples.samples.filter((sample) => sample.status === 'error');
  reportFailures(failedInvocations, io);
  if (options.htmlFile !== undefined) await writeFile(options.htmlFile, renderBenchHtml(report, samples.samples));
  if (options.saveBaselineFile !== undefined) {
    // A baseline with failures in it would make the failures the norm.
    if (failedInvocations.length > 0) io.stderr.write(`emu: baseline not saved: ${failedInvocations.length} invocation(s) failed\n`);
    else await saveBaseline(options.saveBaselineFile, report);
  }
  const failedGates = gates.filter((gate) => !gate.passed);
  for (const gate of failedGates) io.stderr.write(`emu: gate failed: ${gate.gate}\n`);
  return failedGates.length > 0 || failedInvocations.length > 0 ? ExitCode.functionError : ExitCode.success;
}

/** The first failure of each error type, so that a broken function is told apart from a slow one. */
function reportFailures(failed: BenchSamples['samples'], io: CliIo): void {
  const seen = new Set<string>();
  for (const sample of failed) {
    const type = sample.errorType ?? 'Unknown';
    if (seen.has(type)) continue;
    seen.add(type);
    const count = failed.filter((other) => (other.errorType ?? 'Unknown') === type).length;
    const message = (sample.errorMessage ?? '').split('\n')[0];
    io.stderr.write(`emu: ${count} invocation(s) failed with ${type}: ${message} (first: ${sample.mode}, run ${sample.run}, event line ${sample.line})\n`);
  }
}
