/**
 * `emu bench <function> --remote [--cold]`: the bench figures of a deployed
 * function, from the service's REPORT lines, with the same report, gates and
 * baselines as a local bench. --cold changes the function's configuration
 * before each cold invocation and always restores it: after the last run, on
 * a failure midway, and on Ctrl-C (a second Ctrl-C waits for the restore).
 */
import { buildBenchReport, checkComparable, loadBaseline, type BenchEvents, type BenchReport, type BenchSamples, type ReportContext } from '../bench/index.js';
import { usageError } from '../errors/emu-error.js';
import { readPrices } from '../measure/index.js';
import { ColdStartForcer, describeTarget, RemoteInvoker, runRemoteBench } from '../remote/index.js';
import type { BenchOptions } from './bench-options.js';
import { checkFolder, evaluateGates, finish, readEvents } from './bench-command.js';
import { BenchProgressLine } from './bench-render.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { remoteTarget, type RemoteFlags } from './remote-options.js';
import { onInterrupt } from './signals.js';

export async function runRemoteBenchCommand(options: BenchOptions, remote: RemoteFlags, io: CliIo): Promise<number> {
  const events = await readEvents(options.eventSource, io);
  for (const file of [options.htmlFile, options.saveBaselineFile]) if (file !== undefined) await checkFolder(file);
  const baseline = options.baselineFile === undefined ? undefined : await loadBaseline(options.baselineFile);
  const measured = await benchRemotely(options, remote, events, io);
  if (measured === 'dry-run') return ExitCode.success;
  if (measured.samples.interrupted) {
    io.stderr.write(`emu: interrupted after ${measured.samples.samples.length} invocations; no report\n`);
    return ExitCode.interrupted;
  }
  const { report, samples } = measured;
  const notes = baseline === undefined ? [] : checkComparable(baseline, report.measuredOn, options.modes, options.baselineFile ?? '');
  const gates = evaluateGates(options, report, samples, baseline, notes);
  if (gates.length > 0) report.gates = gates;
  return finish(options, report, samples, io);
}

export interface RemoteMeasured {
  report: BenchReport;
  samples: BenchSamples;
}

/**
 * The deployed function's figures (no gates yet), or 'dry-run' once what would be sent is said on stdout.
 * Interrupted samples come back with `interrupted` set; the configuration is restored in every case.
 */
export async function benchRemotely(options: BenchOptions, remote: RemoteFlags, events: BenchEvents, io: CliIo, target = remoteTarget(options, remote)): Promise<RemoteMeasured | 'dry-run'> {
  const invoker = new RemoteInvoker({ target, concurrency: options.concurrency, timeoutMs: remote.timeoutMs });
  try {
    const region = await invoker.region().catch((error: unknown) => {
      throw usageError(`--remote: no AWS region (${error instanceof Error ? error.message : String(error)}); give --region or set AWS_REGION`);
    });
    const description = describeTarget(target, region);
    if (remote.dryRun) {
      const invocations = options.runs * events.events.length * options.modes.length;
      const bumps = options.modes.includes('cold') ? `; --cold would change its configuration ${options.runs * events.events.length} time(s) and restore it` : '';
      io.stdout.write(`dry run: would invoke ${description} ${invocations} time(s) (${options.modes.join(' and ')}, -c ${options.concurrency})${bumps}; nothing sent\n`);
      return 'dry-run';
    }
    io.stderr.write(`emu: bench --remote: ${description}\n`);
    const say = (message: string): void => void io.stderr.write(`emu: ${message}\n`);
    const forcer = options.modes.includes('cold') ? new ColdStartForcer({ client: invoker.client, functionName: target.functionName, say }) : undefined;
    const configuration = await forcer?.start();
    const samples = (await runGuarded(options, { invoker, events: events.events, ...(forcer === undefined ? {} : { forcer }) }, io)) as BenchSamples;
    const context: ReportContext = {
      handler: target.functionName,
      codeDir: `remote:${target.endpointUrl ?? region}`,
      events,
      memorySizeMb: configuration?.MemorySize ?? invoker.stats.memorySizeMb ?? 0,
      timeoutSeconds: configuration?.Timeout ?? 0,
      runs: options.runs,
      concurrency: options.concurrency,
      modes: options.modes,
      prices: readPrices(process.env),
    };
    return { report: buildBenchReport(samples, context), samples };
  } finally {
    await invoker.close();
  }
}

interface Wiring {
  invoker: RemoteInvoker;
  forcer?: ColdStartForcer;
  events: ReadonlyArray<{ line: number; json: string }>;
}

/** Runs the bench; whatever ends it, the configuration is restored before this returns or throws. */
async function runGuarded(options: BenchOptions, wiring: Wiring, io: CliIo): Promise<Awaited<ReturnType<typeof runRemoteBench>>> {
  const progress = new BenchProgressLine(io.stderr);
  const aborter = new AbortController();
  // Stays installed until the restore is done: a second Ctrl-C must not leave the function changed.
  const stopListening = onInterrupt(() => {
    progress.clear();
    if (wiring.forcer !== undefined) io.stderr.write('emu: interrupted: restoring the configuration first (further Ctrl-C waits for it)\n');
    aborter.abort();
  });
  try {
    return await runRemoteBench({
      ...wiring,
      runs: options.runs,
      modes: options.modes,
      concurrency: options.concurrency,
      signal: aborter.signal,
      onProgress: ({ done, total, failed }) => progress.update(done, total, failed),
      onWarning: (message) => (progress.clear(), void io.stderr.write(`emu: warning: ${message}\n`)),
    });
  } catch (error) {
    if (wiring.forcer !== undefined && wiring.forcer.bumps > 0) io.stderr.write('emu: bench --remote failed midway: restoring the configuration first\n');
    throw error;
  } finally {
    progress.clear();
    try {
      await wiring.forcer?.restore();
    } finally {
      stopListening();
    }
  }
}

