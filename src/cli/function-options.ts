/**
 * Every source of a function's options → its emulator options: the one way
 * run, run --stream, bench and serve (bare and --template) describe a function.
 * Field by field, highest first:
 *
 *   1. flags: -t, -m, --function-name, --region, --code-dir, --env, --layer, --role, --runtime, --node …
 *   2. the --context file (emu run): functionName, functionVersion, memoryLimitInMB
 *   3. env files (--env-vars, --env-file): variables only
 *   4. the SAM template (emu serve --template; emu run and bench by logical id,
 *      template-lookup.ts): FunctionName, CodeUri, Handler, MemorySize, Timeout,
 *      Environment, Layers, Role, Runtime, Globals merged. Architectures and
 *      Metadata are no emulator options: they ride along as `template`, for
 *      reports and for the build. LoggingConfig too, field by field under the
 *      flags (--log-format, --log-level, --system-log-level)
 *   5. DEFAULTS (src/emulator.ts), and the name derived from the handler
 *
 * Variables merge variable by variable, lowest first: template < --env-vars
 * Parameters < its block for this function < --env-file (in order) < --env
 * (config/function-environment.ts). The name is settled before anything is
 * read, because the --env-vars block and the role's session are chosen by it.
 * Layers add up rather than override: the template's first (AWS's order), then
 * --layer. --role beats the template's Role, and --no-credentials beats both.
 */
import path from 'node:path';
import type { EmulatorOptions } from '../emulator.js';
import type { LoggingConfig } from '../index.js';
import type { Architecture, TemplateFunction, TemplateLogging } from '../template/index.js';
import { setUpFunction, type FunctionSetupFlags, type SetupReporter } from './function-setup.js';
import type { FunctionFlagOptions } from './run-options.js';

/** What the command line says of the function (functionOptionsFrom). */
export type FunctionFlags = FunctionFlagOptions;

export interface FunctionSources {
  handler: string;
  flags: FunctionFlags;
  setup: FunctionSetupFlags;
  /** The --context file's function fields (emu run). */
  context?: Pick<EmulatorOptions, 'functionName' | 'functionVersion' | 'memoryMb'>;
  /** The function as a SAM template describes it (emu serve --template, emu run/bench <LogicalId>). */
  template?: TemplateFunction;
}

/** What a template says of a function beyond emulator options. */
export interface TemplateFacts {
  logicalId: string;
  runtime: string;
  /** The template's Architectures, else AWS's default x86_64. */
  architecture: Architecture;
  /** The resource's Metadata (BuildMethod, BuildProperties), for the build. */
  metadata?: Record<string, unknown>;
}

/** Emulator options with every value settled: what the function will see, and what a command reports. */
export type ResolvedFunction = EmulatorOptions &
  Required<Pick<EmulatorOptions, 'codeDir' | 'functionName' | 'functionVersion' | 'memoryMb' | 'timeoutSeconds' | 'region' | 'accountId' | 'env'>> & {
    /** Set when the function comes from a template. */
    template?: TemplateFacts;
  };

export async function resolveFunctionOptions(sources: FunctionSources, reporter: SetupReporter): Promise<ResolvedFunction> {
  // Loaded lazily: `emu event` and --help never pay for the emulator's modules (emu run loads them once anyway).
  const { DEFAULTS, defaultFunctionName } = await import('../emulator.js');
  const { context, template } = sources;
  const { logging: loggingFlags, ...flags } = sources.flags;
  const handler = template?.handler ?? sources.handler;
  const codeDir = flags.codeDir ?? template?.codeDir ?? '.';
  const settled: ResolvedFunction = {
    ...flags,
    ...settleLogging(template?.logging, loggingFlags, reporter),
    handler,
    codeDir,
    functionName: flags.functionName ?? context?.functionName ?? template?.functionName ?? defaultFunctionName(handler, path.resolve(codeDir)),
    functionVersion: flags.functionVersion ?? context?.functionVersion ?? DEFAULTS.functionVersion,
    memoryMb: flags.memoryMb ?? context?.memoryMb ?? template?.memoryMb ?? DEFAULTS.memoryMb,
    timeoutSeconds: flags.timeoutSeconds ?? template?.timeoutSeconds ?? DEFAULTS.timeoutSeconds,
    ...(flags.runtime ?? template?.runtime ? { runtime: (flags.runtime ?? template?.runtime) as string } : {}),
    ...(await functionPlacement(flags)),
    env: flags.env ?? {},
  };
  const setup = template === undefined ? sources.setup : withTemplateSetup(sources.setup, template);
  const setUp = await setUpFunction(settled, setup, reporter, template === undefined ? undefined : { env: template.env, logicalId: template.logicalId });
  return { ...settled, ...setUp, ...(template === undefined ? {} : { template: templateFacts(template) }) };
}

/**
 * LoggingConfig field by field, a flag over the template; neither: none at all, so the
 * function's own AWS_LAMBDA_LOG_* variables stand. The format defaults to Text, as on AWS.
 */
function settleLogging(template: TemplateLogging | undefined, flags: Partial<LoggingConfig> | undefined, reporter: SetupReporter): Pick<EmulatorOptions, 'logging'> {
  const merged = { ...definedFields(template ?? {}), ...definedFields(flags ?? {}) } as Partial<LoggingConfig>;
  if (Object.keys(merged).length === 0) return {};
  const logging: LoggingConfig = { ...merged, format: merged.format ?? 'Text' };
  if (logging.format === 'Text' && (logging.applicationLogLevel !== undefined || logging.systemLogLevel !== undefined)) {
    reporter.warning('log levels apply only to the JSON log format, as on AWS (--log-format json or LogFormat: JSON): ignored with Text');
  }
  return { logging };
}

function definedFields(record: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

function templateFacts(fn: TemplateFunction): TemplateFacts {
  const facts: TemplateFacts = { logicalId: fn.logicalId, runtime: fn.runtime, architecture: fn.architecture ?? 'x86_64' };
  if (fn.metadata !== undefined) facts.metadata = fn.metadata;
  return facts;
}

/** Where the function runs; a template's AWS::Region and AWS::AccountId are read before its functions, so this is on its own. */
export async function functionPlacement(flags: FunctionFlags): Promise<Pick<ResolvedFunction, 'region' | 'accountId'>> {
  const { DEFAULTS } = await import('../emulator.js');
  return { region: flags.region ?? DEFAULTS.region, accountId: flags.accountId ?? DEFAULTS.accountId };
}

function withTemplateSetup(flags: FunctionSetupFlags, template: TemplateFunction): FunctionSetupFlags {
  const role = flags.role ?? (flags.noCredentials ? undefined : template.roleArn);
  return { ...flags, layers: [...template.layers, ...flags.layers], ...(role === undefined ? {} : { role }) };
}
