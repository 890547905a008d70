/** `emu bench` arguments → options, or a usage error naming the problem; every check that needs no sandbox. */
import { usageError } from '../errors/emu-error.js';
import { BENCH_MODES, type BenchMode } from '../bench/index.js';
import { COMPARE_REMOTE_OPTIONS, compareModes, compareRemoteFrom, type CompareRemote } from './compare-remote-options.js';
import type { FunctionSetupFlags } from './function-setup.js';
import { checkRemoteCombination, REMOTE_OPTIONS, remoteFlagsFrom, type RemoteFlags } from './remote-options.js';
import { FUNCTION_OPTIONS, functionOptionsFrom, functionSetupFrom, LOCAL_ONLY_FLAGS, parseStrict, parseWholeNumber, templateFlagsFrom, type FunctionFlagOptions, type TemplateFlags } from './run-options.js';

export interface BenchOptions {
  help: boolean;
  /** A handler string, or a template function's logical id. */
  handler: string;
  /** A path, '-' for stdin, or undefined for the one event {}. */
  eventSource: string | undefined;
  runs: number;
  modes: BenchMode[];
  concurrency: number;
  json: boolean;
  verbose: boolean;
  htmlFile: string | undefined;
  saveBaselineFile: string | undefined;
  baselineFile: string | undefined;
  memoryTolerancePct: number;
  durationTolerancePct: number;
  maxMemoryMb: number | undefined;
  maxDurationMs: number | undefined;
  /** --remote and its flags (remote-options.ts); undefined: local. */
  remote: RemoteFlags | undefined;
  /** --compare-remote NAME_OR_ARN (compare-remote-options.ts): this function locally beside a deployed one. */
  compareRemote?: CompareRemote;
  emulator: FunctionFlagOptions;
  /** Env files, layers, role: resolved by setUpFunction before anything runs. */
  setup: FunctionSetupFlags;
  template: TemplateFlags;
}

export const BENCH_DEFAULTS = { runs: 10, memoryTolerancePct: 10, durationTolerancePct: 25 } as const;

const BENCH_OPTIONS = {
  ...FUNCTION_OPTIONS,
  runs: { type: 'string', short: 'n' },
  modes: { type: 'string' },
  concurrency: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  html: { type: 'string' },
  'save-baseline': { type: 'string' },
  baseline: { type: 'string' },
  tolerance: { type: 'string' },
  'duration-tolerance': { type: 'string' },
  'max-memory': { type: 'string' },
  'max-duration': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  ...REMOTE_OPTIONS,
  ...COMPARE_REMOTE_OPTIONS,
} as const;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values, positionals: words } = parseStrict(argv, BENCH_OPTIONS);
  if (values.help === true) return { ...withDefaults(''), help: true };
  const { template, positionals } = templateFlagsFrom(values, words);
  const [handler, eventSource, ...extra] = positionals;
  if (handler === undefined) throw usageError('missing <handler> or <LogicalId>, e.g. emu bench index.handler events.ndjson');
  if (extra.length > 0) throw usageError(`unexpected argument '${extra[0]}'`);
  const compareRemote = compareRemoteFrom(values, handler);
  const remote = compareRemote === undefined ? remoteFlagsFrom(values, handler) : undefined;
  if (remote !== undefined) return remoteBenchOptions(values, handler, eventSource, remote);
  if (values.cold === true || values.warm === true) throw usageError('emu bench measures both modes: choose them with --modes cold,warm instead of --cold/--warm');
  if (values.inspect !== undefined || values['inspect-brk'] !== undefined) throw usageError('--inspect cannot be used with emu bench: a debugger would be what it measures');
  const { mode: _ignored, ...emulator } = functionOptionsFrom(values);
  const setup = functionSetupFrom(values);
  const options: BenchOptions = { ...withDefaults(handler), eventSource, emulator, setup, template, json: values.json === true, verbose: values.verbose === true };
  if (compareRemote !== undefined) Object.assign(options, { compareRemote, modes: compareModes(values, options.modes) });
  applyCommonFlags(options, values);
  return options;
}

type BenchValues = ReturnType<typeof parseStrict<typeof BENCH_OPTIONS>>['values'];

/** A deployed function: warm by default, --cold adds cold (a configuration bump per invocation); none of the local function's flags. */
function remoteBenchOptions(values: BenchValues, handler: string, eventSource: string | undefined, remote: RemoteFlags): BenchOptions {
  checkRemoteCombination(values, LOCAL_ONLY_FLAGS.filter((flag) => flag !== 'cold'));
  if (values.cold === true && values.modes !== undefined) throw usageError('--cold and --modes cannot be used together: --cold measures cold and warm');
  const options: BenchOptions = { ...withDefaults(handler), eventSource, remote, modes: values.cold === true ? ['cold', 'warm'] : ['warm'], json: values.json === true, verbose: values.verbose === true };
  if (values.region !== undefined) options.emulator.region = values.region;
  if (values.profile !== undefined) options.setup.profile = values.profile;
  applyCommonFlags(options, values);
  return options;
}

function applyCommonFlags(options: BenchOptions, values: BenchValues): void {
  if (values.runs !== undefined) options.runs = atLeastOne('--runs', values.runs);
  if (values.concurrency !== undefined) options.concurrency = atLeastOne('--concurrency', values.concurrency);
  if (values.modes !== undefined) options.modes = parseModes(values.modes);
  options.htmlFile = values.html;
  options.saveBaselineFile = values['save-baseline'];
  options.baselineFile = values.baseline;
  if (values['max-memory'] !== undefined) options.maxMemoryMb = atLeastOne('--max-memory', values['max-memory']);
  if (values['max-duration'] !== undefined) options.maxDurationMs = parsePositive('--max-duration', values['max-duration']);
  if (values.tolerance !== undefined) options.memoryTolerancePct = parsePositive('--tolerance', values.tolerance, true);
  if (values['duration-tolerance'] !== undefined) options.durationTolerancePct = parsePositive('--duration-tolerance', values['duration-tolerance'], true);
  checkCombinations(options, values.tolerance !== undefined || values['duration-tolerance'] !== undefined);
}

function checkCombinations(options: BenchOptions, toleranceGiven: boolean): void {
  if (toleranceGiven && options.baselineFile === undefined) throw usageError('--tolerance and --duration-tolerance apply to --baseline FILE, which is missing');
  if (options.maxDurationMs !== undefined && !options.modes.includes('warm')) throw usageError('--max-duration gates the warm p50 Duration: add warm to --modes');
  for (const [flag, file] of [['--html', options.htmlFile], ['--save-baseline', options.saveBaselineFile], ['--baseline', options.baselineFile]] as const) {
    if (file === '') throw usageError(`${flag} expects a file name`);
  }
}

/** "cold,warm", "warm", "cold, warm": each known, each once, in the order given. */
export function parseModes(text: string): BenchMode[] {
  const names = text.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) throw usageError(`--modes expects cold, warm or cold,warm, got '${text}'`);
  const modes: BenchMode[] = [];
  for (const name of names) {
    const mode = BENCH_MODES.find((known) => known === name);
    if (mode === undefined) throw usageError(`--modes: unknown mode '${name}' (the modes are cold and warm)`);
    if (!modes.includes(mode)) modes.push(mode);
  }
  return modes;
}

function atLeastOne(flag: string, text: string): number {
  const value = parseWholeNumber(flag, text);
  if (value < 1) throw usageError(`${flag} must be at least 1, got ${value}`);
  return value;
}

function parsePositive(flag: string, text: string, zeroAllowed = false): number {
  const value = /^\s*\d+(\.\d+)?\s*%?\s*$/.test(text) ? Number.parseFloat(text) : Number.NaN;
  if (!Number.isFinite(value) || (!zeroAllowed && value <= 0)) throw usageError(`${flag} expects a ${zeroAllowed ? 'number' : 'positive number'}, got '${text}'`);
  return value;
}

function withDefaults(handler: string): BenchOptions {
  return {
    help: false,
    handler,
    eventSource: undefined,
    runs: BENCH_DEFAULTS.runs,
    modes: [...BENCH_MODES],
    concurrency: 1,
    json: false,
    verbose: false,
    htmlFile: undefined,
    saveBaselineFile: undefined,
    baselineFile: undefined,
    memoryTolerancePct: BENCH_DEFAULTS.memoryTolerancePct,
    durationTolerancePct: BENCH_DEFAULTS.durationTolerancePct,
    maxMemoryMb: undefined,
    maxDurationMs: undefined,
    remote: undefined,
    emulator: {},
    setup: { noCredentials: false, envFiles: [], layers: [] },
    template: { file: undefined, parameterOverrides: [] },
  };
}

export const BENCH_USAGE = `Usage: emu bench <handler> [events.ndjson | -] [options]
       emu bench <LogicalId> [events.ndjson | -] [--template FILE] [options]

  Runs the events (one JSON event per line; default {}) --runs times in each mode,
  cold and warm interleaved, and reports the figures and the cold-start penalty.
  A logical id takes the function from the SAM template (default ./template.yaml),
  as emu run does.

Options:
  -n, --runs N                 invocations of each event in each mode (default ${BENCH_DEFAULTS.runs})
      --modes cold,warm        the modes to measure (default both)
  -c, --concurrency N          sandboxes at once in each mode (default 1)
      --json                   one JSON document (schema: docs/bench-schema.md) instead of tables
      --html FILE              also write a self-contained HTML report
  -v, --verbose                the function's logs on stderr (default: dropped)
  -t, --timeout SEC, -m, --memory MB, --code-dir DIR, --env KEY=VALUE, --env-file, --env-vars,
      --layer, --runtime, --node, --python, --role, --profile, --no-credentials, --region, --function-name,
      --template FILE, --parameter-overrides K=V ..., --log-format, --log-level, --system-log-level
                               the function, as for emu run
CI gates (a failed gate exits 1):
      --max-memory MB          fail if any invocation's peak RSS passes MB
      --max-duration MS        fail if the warm p50 Duration passes MS
      --save-baseline FILE     record the figures and what they were measured on
      --baseline FILE          compare with a saved baseline (another handler, events or
                               memory size is refused); fail on a regression:
      --tolerance PCT          Max Memory Used may grow by PCT% (default ${BENCH_DEFAULTS.memoryTolerancePct})
      --duration-tolerance PCT warm p50 Duration may grow by PCT% or 1 ms (default ${BENCH_DEFAULTS.durationTolerancePct})
Remote (docs/remote-invoke.md):
      --remote                 <handler> is a deployed function's name or ARN (an ARN alone implies it):
                               warm figures from the service's REPORT lines; gates as locally
      --cold                   with --remote: cold too, each cold invocation after a configuration
                               change (an environment variable bump), restored at the end
      --endpoint-url URL, --remote-timeout SEC, --region, --profile, --dry-run   as for emu run --remote
      --compare-remote NAME_OR_ARN  also bench that deployed function on the same events (the --remote
                               flags above apply to it; warm unless --modes): both side by side, and
                               --max-memory, --max-duration gate each side, --baseline the side it was saved from
  -h, --help                   this help

Exit codes: 0 success, 1 a failed gate or function error, 2 usage error, 3 internal error, 130 interrupted.
`;
