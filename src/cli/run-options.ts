/**
 * `emu run` arguments → options, or a usage error that names the problem.
 * Function options (everything that describes the function rather than this
 * run) are parsed here once, for every command that runs a function.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from '../errors/emu-error.js';
import type { EmulatorOptions } from '../emulator.js';
import type { LoggingConfig } from '../index.js';
import type { FunctionSetupFlags } from './function-setup.js';
import { checkRemoteCombination, REMOTE_OPTIONS, remoteFlagsFrom, type RemoteFlags } from './remote-options.js';

/** Function options as flags give them: LoggingConfig field by field, settled over the template's (function-options.ts). */
export type FunctionFlagOptions = Omit<EmulatorOptions, 'handler' | 'logging'> & { logging?: Partial<LoggingConfig> };

/** Where a logical id is looked up (template-lookup.ts): --template, else ./template.yaml. */
export interface TemplateFlags {
  /** Given with --template; undefined: template.yaml / template.yml in the current folder, if any. */
  file: string | undefined;
  /** --parameter-overrides words, as given. */
  parameterOverrides: string[];
}

export interface RunOptions {
  /** A handler string, or a template function's logical id. */
  handler: string;
  /** A path, '-' for stdin, or undefined for {}. */
  eventSource: string | undefined;
  contextFile: string | undefined;
  verbose: boolean;
  json: boolean;
  help: boolean;
  stream: boolean;
  concurrency: number | undefined;
  summaryFile: string | undefined;
  /** --remote, --endpoint-url, --dry-run, --remote-timeout (remote-options.ts); undefined: local. */
  remote: RemoteFlags | undefined;
  emulator: FunctionFlagOptions;
  /** Flags resolved by setUpFunction (files, folders, credentials) before the emulator starts. */
  setup: FunctionSetupFlags;
  template: TemplateFlags;
}

export const FUNCTION_OPTIONS = {
  cold: { type: 'boolean' },
  warm: { type: 'boolean' },
  timeout: { type: 'string', short: 't' },
  memory: { type: 'string', short: 'm' },
  'code-dir': { type: 'string' },
  env: { type: 'string', multiple: true },
  region: { type: 'string' },
  'function-name': { type: 'string' },
  inspect: { type: 'string' },
  'inspect-brk': { type: 'string' },
  role: { type: 'string', short: 'r' },
  profile: { type: 'string' },
  'no-credentials': { type: 'boolean' },
  'env-vars': { type: 'string' },
  'env-file': { type: 'string', multiple: true },
  layer: { type: 'string', multiple: true },
  runtime: { type: 'string' },
  node: { type: 'string' },
  python: { type: 'string' },
  template: { type: 'string' },
  'parameter-overrides': { type: 'string', multiple: true },
  'log-format': { type: 'string' },
  'log-level': { type: 'string' },
  'system-log-level': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const RUN_OPTIONS = {
  ...FUNCTION_OPTIONS,
  context: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  stream: { type: 'boolean' },
  concurrency: { type: 'string', short: 'c' },
  summary: { type: 'string' },
  ...REMOTE_OPTIONS,
} as const satisfies ParseArgsConfig['options'];

/** What describes a local function: a deployed one has its own configuration. */
export const LOCAL_ONLY_FLAGS = [
  'cold', 'warm', 'timeout', 'memory', 'code-dir', 'env', 'function-name', 'inspect', 'inspect-brk', 'role', 'no-credentials', 'env-vars', 'env-file',
  'layer', 'runtime', 'node', 'python', 'template', 'parameter-overrides', 'log-format', 'log-level', 'system-log-level', 'context',
] as const;

export function parseRunOptions(argv: string[]): RunOptions {
  const { values, positionals: words } = parseStrict(argv, RUN_OPTIONS);
  if (values.help === true) return { ...emptyRunOptions(), help: true };
  const { template, positionals } = templateFlagsFrom(values, words);
  const [handler, eventSource, ...extra] = positionals;
  if (handler === undefined) throw usageError('missing <handler> or <LogicalId>, e.g. emu run index.handler event.json');
  if (extra.length > 0) throw usageError(`unexpected argument '${extra[0]}'`);
  const concurrency = values.concurrency === undefined ? undefined : parseWholeNumber('--concurrency', values.concurrency);
  if (concurrency !== undefined && concurrency < 1) throw usageError('--concurrency must be at least 1');
  const remote = remoteFlagsFrom(values, handler);
  if (remote !== undefined) {
    checkRemoteCombination(values, LOCAL_ONLY_FLAGS);
    if (values.stream !== true) throw usageError('--remote sends an event stream: add --stream (and an NDJSON file, or - for stdin)');
  }
  return {
    handler,
    eventSource,
    contextFile: values.context,
    verbose: values.verbose === true,
    json: values.json === true,
    help: false,
    stream: values.stream === true,
    concurrency,
    summaryFile: values.summary,
    remote,
    emulator: functionOptionsFrom(values),
    setup: functionSetupFrom(values),
    template,
  };
}

type FunctionValues = { [K in keyof typeof FUNCTION_OPTIONS]?: (typeof FUNCTION_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof FUNCTION_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** The function options every command shares (run, bench, serve). */
export function functionOptionsFrom(values: FunctionValues): FunctionFlagOptions {
  if (values.cold === true && values.warm === true) throw usageError('--cold and --warm cannot be used together');
  const options: FunctionFlagOptions = { mode: values.cold === true ? 'cold' : 'warm' };
  const logging = loggingFlagsFrom(values);
  if (logging !== undefined) options.logging = logging;
  if (values.timeout !== undefined) options.timeoutSeconds = parseWholeNumber('--timeout', values.timeout);
  if (values.memory !== undefined) options.memoryMb = parseWholeNumber('--memory', values.memory);
  if (values['code-dir'] !== undefined) options.codeDir = values['code-dir'];
  if (values.region !== undefined) options.region = values.region;
  if (values['function-name'] !== undefined) options.functionName = values['function-name'];
  if (values.env !== undefined) options.env = parseEnvPairs(values.env);
  if (values.runtime !== undefined) options.runtime = values.runtime;
  if (values.node !== undefined) options.nodeExecutable = values.node;
  if (values.python !== undefined) options.pythonExecutable = values.python;
  const inspectPort = values['inspect-brk'] ?? values.inspect;
  if (inspectPort !== undefined) {
    options.inspect = { breakOnStart: values['inspect-brk'] !== undefined };
    if (inspectPort !== '') options.inspect.port = parseWholeNumber('--inspect port', inspectPort);
  }
  return options;
}

/**
 * --log-format json|text and the levels, case-insensitive here (a template's values are
 * not: the Lambda API spells them JSON, Text, DEBUG …). Anything else is passed on as
 * given, for the emulator's check to name it.
 */
function loggingFlagsFrom(values: FunctionValues): Partial<LoggingConfig> | undefined {
  const logging: Partial<LoggingConfig> = {};
  const format = values['log-format'];
  if (format !== undefined) logging.format = ({ json: 'JSON', text: 'Text' } as const)[format.toLowerCase() as 'json' | 'text'] ?? (format as LoggingConfig['format']);
  const level = values['log-level'];
  if (level !== undefined) logging.applicationLogLevel = level.toUpperCase() as LoggingConfig['applicationLogLevel'];
  const systemLevel = values['system-log-level'];
  if (systemLevel !== undefined) logging.systemLogLevel = systemLevel.toUpperCase() as LoggingConfig['systemLogLevel'];
  return Object.keys(logging).length === 0 ? undefined : logging;
}

/** The function flags setUpFunction resolves (every command that runs a function passes them on). */
export function functionSetupFrom(values: FunctionValues): FunctionSetupFlags {
  if (values['no-credentials'] === true && (values.role !== undefined || values.profile !== undefined)) {
    throw usageError(`--no-credentials cannot be used with ${values.role !== undefined ? '--role' : '--profile'}`);
  }
  const flags: FunctionSetupFlags = { noCredentials: values['no-credentials'] === true, envFiles: values['env-file'] ?? [], layers: values.layer ?? [] };
  if (values.role !== undefined) flags.role = values.role;
  if (values.profile !== undefined) flags.profile = values.profile;
  if (values['env-vars'] !== undefined) flags.envVarsFile = values['env-vars'];
  return flags;
}

/**
 * --template and --parameter-overrides. `--parameter-overrides A=1 B=2`, as sam
 * takes it: once the flag is given, K=V words among the positionals are overrides too.
 */
export function templateFlagsFrom(values: FunctionValues, words: string[]): { template: TemplateFlags; positionals: string[] } {
  const given = values['parameter-overrides'] ?? [];
  const absorbed = (word: string): boolean => given.length > 0 && word.includes('=');
  if (values.template === '') throw usageError('--template expects a file name');
  return {
    template: { file: values.template, parameterOverrides: [...given, ...words.filter(absorbed)] },
    positionals: words.filter((word) => !absorbed(word)),
  };
}

/** node:util parseArgs, plus bare --inspect / --inspect-brk (their port is optional) and one-line errors. */
export function parseStrict<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  const normalised = argv.map((arg) => (arg === '--inspect' || arg === '--inspect-brk' ? `${arg}=` : arg));
  try {
    return parseArgs({ args: normalised, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(error instanceof Error ? firstLine(error.message) : String(error));
  }
}

function parseEnvPairs(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw usageError(`--env expects KEY=VALUE, got '${pair}'`);
    env[key] = pair.slice(eq + 1);
  }
  return env;
}

export function parseWholeNumber(flag: string, text: string): number {
  // Past 2^53 a number is silently rounded: refused like any other non-number.
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) throw usageError(`${flag} expects a whole number, got '${text}'`);
  return Number(text);
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/\. To specify a positional argument.*$/, '');
}

function emptyRunOptions(): RunOptions {
  return {
    handler: '',
    eventSource: undefined,
    contextFile: undefined,
    verbose: false,
    json: false,
    help: false,
    stream: false,
    concurrency: undefined,
    summaryFile: undefined,
    remote: undefined,
    emulator: {},
    setup: { noCredentials: false, envFiles: [], layers: [] },
    template: { file: undefined, parameterOverrides: [] },
  };
}
