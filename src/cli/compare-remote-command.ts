/**
 * `emu bench <handler | LogicalId> --compare-remote NAME_OR_ARN`: the same
 * events benched locally, then against the deployed function, printed side by
 * side. Gates: --max-memory and --max-duration gate each side, each result
 * labelled with its side; --baseline gates the side it was saved from (a
 * remote baseline names `remote:` as its code folder). Either side failing a
 * gate or an invocation exits 1.
 */
import { buildBenchReport, checkComparable, loadBaseline, measuredOn, type BenchReport, type BenchSamples, type GateResult } from '../bench/index.js';
import type { BenchOptions } from './bench-options.js';
import { evaluateGates, readEvents, reportContext, runWithProgress } from './bench-command.js';
import type { CompareRemote } from './compare-remote-options.js';
import { renderComparison, renderSideGates, serializeComparison, type Side } from './compare-remote-render.js';
import { ExitCode } from './exit-codes.js';
import { buildIfNeeded } from './function-build.js';
import { resolveFunctionOptions } from './function-options.js';
import type { CliIo } from './io.js';
import { benchRemotely } from './remote-bench-command.js';
import { lookUpTemplateFunction } from './template-lookup.js';

interface Measured {
  report: BenchReport;
  samples: BenchSamples;
}

export async function runCompareRemoteCommand(options: BenchOptions, compare: CompareRemote, io: CliIo): Promise<number> {
  const reporter = {
    notice: (message: string) => io.stderr.write(`emu: ${message}\n`),
    warning: (message: string) => io.stderr.write(`emu: warning: ${message}\n`),
    verbose: options.verbose,
  };
  const template = await lookUpTemplateFunction(options.handler, options.template, options.emulator, reporter);
  const events = await readEvents(options.eventSource, io);
  const baseline = options.baselineFile === undefined ? undefined : await loadBaseline(options.baselineFile);
  const baselineSide: Side | undefined = baseline === undefined ? undefined : baseline.measuredOn.codeDir.startsWith('remote:') ? 'remote' : 'local';
  const sources = { handler: options.handler, flags: options.emulator, setup: options.setup, ...(template === undefined ? {} : { template }) };
  const source = await resolveFunctionOptions(sources, reporter);
  const { fn, build } = await buildIfNeeded(source, reporter);
  const context = reportContext(options, source, events, build);
  const localNotes = baseline !== undefined && baselineSide === 'local' ? checkComparable(baseline, measuredOn(context), options.modes, options.baselineFile ?? '') : [];
  const invocations = options.runs * events.events.length * options.modes.length;
  if (compare.flags.dryRun) {
    io.stdout.write(`dry run: would bench ${options.handler} locally ${invocations} time(s) (${options.modes.join(' and ')}, -c ${options.concurrency}); nothing run\n`);
    await benchRemotely(options, compare.flags, events, io, compare.target);
    return ExitCode.success;
  }

  io.stderr.write(`emu: bench --compare-remote: ${options.handler} locally first, then ${compare.target.functionName} remotely, ${invocations} invocation(s) each\n`);
  const localSamples = await runWithProgress(options, fn, context, io);
  if (localSamples.interrupted) return interrupted(io, 'local', localSamples);
  const local: Measured = { report: buildBenchReport(localSamples, context), samples: localSamples };
  const remote = await benchRemotely(options, compare.flags, events, io, compare.target);
  if (remote === 'dry-run') return ExitCode.success;
  if (remote.samples.interrupted) return interrupted(io, 'remote', remote.samples);
  const remoteNotes = baseline !== undefined && baselineSide === 'remote' ? checkComparable(baseline, remote.report.measuredOn, options.modes, options.baselineFile ?? '') : [];

  const gates: Array<{ side: Side; gate: GateResult }> = [];
  for (const [side, measured, notes] of [['local', local, localNotes], ['remote', remote, remoteNotes]] as const) {
    const sideGates = evaluateGates(options, measured.report, measured.samples, baselineSide === side ? baseline : undefined, notes);
    if (sideGates.length > 0) measured.report.gates = sideGates;
    gates.push(...sideGates.map((gate) => ({ side, gate })));
  }
  return finishComparison(options, { local, remote }, gates, io);
}

function interrupted(io: CliIo, side: Side, samples: BenchSamples): number {
  io.stderr.write(`emu: interrupted after ${samples.samples.length} ${side} invocations; no report\n`);
  return ExitCode.interrupted;
}

function finishComparison(options: BenchOptions, sides: Record<Side, Measured>, gates: Array<{ side: Side; gate: GateResult }>, io: CliIo): number {
  const reports = { local: sides.local.report, remote: sides.remote.report };
  io.stdout.write(options.json ? serializeComparison(reports) : `${renderComparison(reports)}${gates.length > 0 ? `\n${renderSideGates(gates)}` : ''}`);
  let failedInvocations = 0;
  for (const side of ['local', 'remote'] as const) failedInvocations += reportFailures(side, sides[side].samples, io);
  const failedGates = gates.filter(({ gate }) => !gate.passed);
  for (const { side, gate } of failedGates) io.stderr.write(`emu: gate failed: ${side} ${gate.gate}\n`);
  return failedGates.length > 0 || failedInvocations > 0 ? ExitCode.functionError : ExitCode.success;
}

/** One line per side and error type, with its first occurrence; returns how many invocations failed. */
function reportFailures(side: Side, samples: BenchSamples, io: CliIo): number {
  const failed = samples.samples.filter((sample) => sample.status === 'error');
  const byType = new Map<string, typeof failed>();
  for (const sample of failed) byType.set(sample.errorType ?? 'Unknown', [...(byType.get(sample.errorType ?? 'Unknown') ?? []), sample]);
  for (const [type, ofType] of byType) {
    const first = ofType[0] as (typeof failed)[number];
    const message = (first.errorMessage ?? '').split('\n')[0];
    io.stderr.write(`emu: ${side}: ${ofType.length} invocation(s) failed with ${type}: ${message} (first: ${first.mode}, run ${first.run}, event line ${first.line})\n`);
  }
  return failed.length;
}
