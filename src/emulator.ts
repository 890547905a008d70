/**
 * The composition root and the public programmatic API: createEmulator()
 * checks the options, wires supervisor, pool and sandboxes, and makes sure no
 * sandbox outlives the process that started it.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { usageError } from './errors/emu-error.js';
import type { FunctionConfig } from './sandbox/index.js';
import { selectRuntime } from './sandbox/runtime-selection.js';
import { sandboxGuard } from './supervisor/sandbox-guard.js';
import type { CredentialsProvider, LoggingConfig, SandboxCredentials } from './sandbox/function-config.js';
import { Supervisor, type InvocationResult, type InvokeOptions, type SandboxMode } from './supervisor/index.js';

export interface EmulatorOptions {
  /** AWS handler string relative to codeDir, e.g. "index.handler" or "src/api/users.list". */
  handler: string;
  /** The function's root (LAMBDA_TASK_ROOT). Default: the current folder. */
  codeDir?: string;
  /** cold: a fresh sandbox per invocation. warm (default): sandboxes are reused, as on AWS. */
  mode?: SandboxMode;
  /** Sandboxes running at once. Default 1. */
  concurrency?: number;
  /** AWS units: 1–900 seconds, default 3. */
  timeoutSeconds?: number;
  /** AWS units: 128–10240 MB, default 128. */
  memoryMb?: number;
  /** The function's environment variables. */
  env?: Record<string, string>;
  region?: string;
  functionName?: string;
  functionVersion?: string;
  accountId?: string;
  /**
   * The sandbox's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN: fixed, or a
   * provider asked for each new sandbox (a warm one whose credentials expire soon is replaced).
   */
  credentials?: SandboxCredentials | CredentialsProvider;
  /** Local layer folders, each with a nodejs/ folder, in the function's layer order. */
  layers?: string[];
  /** Attach a debugger to each sandbox. */
  inspect?: { port?: number; breakOnStart?: boolean };
  /**
   * AWS's runtime identifier. nodejs18.x … nodejs24.x run on a Node.js of that major (this one if it
   * matches, else one found on the machine: see nodeExecutable); python3.9 … python3.13 on that Python;
   * provided.al2023 / provided.al2 run the `bootstrap` executable of the code folder, else of a layer.
   * Default: Python for a handler whose module is only a .py file, else nodejs<this Node's major>.x.
   */
  runtime?: string;
  /** The Node.js to run a nodejs runtime with. Default: found for the runtime's major (see runtime). */
  nodeExecutable?: string;
  /** The Python to run a python runtime with (a virtual environment's python works). Default: python3.X found for the runtime. */
  pythonExecutable?: string;
  /** A different runtime client (a .js/.mjs file run with Node) instead of emu's bootstrap; it must speak the Runtime API. */
  runtimeClient?: string;
  /** The function's LoggingConfig: log format and levels (AWS's advanced logging controls). Default: Text. */
  logging?: LoggingConfig;
  /** Start a sandbox right away, so the first invocation does not wait for a Node start. */
  prewarm?: boolean;
  /**
   * The function's stdout and stderr. Default: written to this process's stderr. Return a
   * promise (see backPressure) to hold the function's output until it settles.
   */
  onLog?: (chunk: Buffer) => void | Promise<unknown>;
  /** START / END / REPORT lines. Default: dropped. */
  onPlatformLog?: (line: string, requestId: string) => void;
  /** Configuration warnings (a reserved variable refused, …). Default: stderr. */
  onWarning?: (message: string) => void;
}

export interface Emulator {
  readonly config: Readonly<FunctionConfig>;
  /** Invokes with an event (JSON-serialisable). Resolves for function errors too; rejects only if emu itself fails. */
  invoke(event?: unknown, options?: InvokeOptions): Promise<InvocationResult>;
  /** Invokes with event JSON text as is (already validated by the caller). */
  invokeJson(eventJson: string, options?: InvokeOptions): Promise<InvocationResult>;
  /** Ends every sandbox; resolves when no process of this emulator is left. */
  close(): Promise<void>;
}

export const DEFAULTS = {
  timeoutSeconds: 3,
  memoryMb: 128,
  region: 'us-east-1',
  functionVersion: '$LATEST',
  accountId: '123456789012',
  inspectPort: 9229,
} as const;

export function createEmulator(options: EmulatorOptions): Emulator {
  const writeStderr = (chunk: Buffer | string): void => void process.stderr.write(chunk);
  const config = resolveFunctionConfig(options, options.onWarning ?? ((message) => writeStderr(`emu: warning: ${message}\n`)));
  const supervisor = new Supervisor(config, {
    mode: options.mode ?? 'warm',
    concurrency: checkInteger('concurrency', options.concurrency ?? 1, 1, 1024),
    onLog:
      options.onLog ??
      ((chunk) => {
        process.stderr.write(chunk);
        return backPressure(process.stderr);
      }),
    onPlatformLog: options.onPlatformLog,
    onWarning: options.onWarning ?? ((message) => writeStderr(`emu: warning: ${message}\n`)),
    onSandboxStarted: sandboxGuard.sandboxStarted,
    onSandboxEnded: sandboxGuard.sandboxEnded,
  });
  sandboxGuard.emulatorOpened();
  if (options.prewarm === true) supervisor.prewarm();
  let closed = false;
  return {
    config,
    invoke: (event = {}, invokeOptions) => {
      const json = JSON.stringify(event);
      if (json === undefined) return Promise.reject(usageError('the event must be JSON-serialisable'));
      return supervisor.invokeJson(json, invokeOptions);
    },
    invokeJson: (eventJson, invokeOptions) =>
      closed ? Promise.reject(usageError('this emulator is closed')) : supervisor.invokeJson(eventJson, invokeOptions),
    close: async () => {
      if (closed) return supervisor.close();
      closed = true;
      try {
        await supervisor.close();
      } finally {
        sandboxGuard.emulatorClosed();
      }
    },
  };
}

function resolveFunctionConfig(options: EmulatorOptions, onWarning: (message: string) => void): FunctionConfig {
  if (typeof options.handler !== 'string' || options.handler === '') throw usageError('a handler is required, e.g. index.handler');
  const codeDir = checkFolder('code folder', options.codeDir ?? '.');
  const functionName = options.functionName ?? defaultFunctionName(options.handler, codeDir);
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(functionName)) {
    throw usageError(`invalid function name '${functionName}': 1-64 letters, digits, hyphens or underscores`);
  }
  const config: FunctionConfig = {
    handler: options.handler,
    codeDir,
    functionName,
    functionVersion: options.functionVersion ?? DEFAULTS.functionVersion,
    region: options.region ?? DEFAULTS.region,
    accountId: options.accountId ?? DEFAULTS.accountId,
    memoryMb: checkInteger('memory (MB)', options.memoryMb ?? DEFAULTS.memoryMb, 128, 10240),
    timeoutMs: checkInteger('timeout (seconds)', options.timeoutSeconds ?? DEFAULTS.timeoutSeconds, 1, 900) * 1000,
    env: { ...options.env },
    runtime: selectRuntime(options, options.handler, codeDir, onWarning, checkExecutable),
  };
  if (typeof options.credentials === 'function') config.credentialsProvider = options.credentials;
  else if (options.credentials !== undefined) config.credentials = options.credentials;
  if (options.layers !== undefined) config.layers = options.layers.map((layer) => checkFolder('layer folder', layer));
  if (options.logging !== undefined) config.logging = checkLogging(options.logging);
  if (options.inspect !== undefined) {
    const port = checkInteger('inspector port', options.inspect.port ?? DEFAULTS.inspectPort, 0, 65535);
    config.inspect = { port, breakOnStart: options.inspect.breakOnStart === true };
  }
  return config;
}

const LOG_FORMATS = ['Text', 'JSON'];
const APPLICATION_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const SYSTEM_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN'];

/** AWS's LoggingConfig values, as the Lambda API spells them (LogFormat: JSON | Text). */
function checkLogging(logging: LoggingConfig): LoggingConfig {
  const oneOf = (what: string, value: string | undefined, allowed: string[]): void => {
    if (value !== undefined && !allowed.includes(value)) throw usageError(`invalid ${what} '${value}': one of ${allowed.join(', ')}`);
  };
  oneOf('log format', logging.format, LOG_FORMATS);
  oneOf('application log level', logging.applicationLogLevel, APPLICATION_LOG_LEVELS);
  oneOf('system log level', logging.systemLogLevel, SYSTEM_LOG_LEVELS);
  if (logging.logGroup !== undefined && !/^[.\-_/#A-Za-z0-9]{1,512}$/.test(logging.logGroup)) {
    throw usageError(`invalid log group '${logging.logGroup}': 1-512 of letters, digits and . - _ / #`);
  }
  return { ...logging };
}

function checkExecutable(file: string): string {
  const resolved = path.resolve(file);
  try {
    accessSync(resolved, constants.X_OK);
  } catch {
    throw usageError(`Node.js executable not found or not executable: ${resolved}`);
  }
  return resolved;
}

function checkFolder(what: string, folder: string): string {
  const resolved = path.resolve(folder);
  if (!existsSync(resolved) || !statSync(resolved).isDirectory()) throw usageError(`${what} not found: ${resolved}`);
  return resolved;
}

/** What a developer would call it: the module's name, or its folder's for a generic index/handler/app/main. */
export function defaultFunctionName(handler: string, codeDir: string): string {
  const module = path.basename(handler).split('.')[0] ?? '';
  const folder = path.basename(path.dirname(path.resolve(codeDir, handler)));
  const name = ['index', 'handler', 'app', 'main', 'lambda'].includes(module) && folder !== '' ? folder : module;
  const cleaned = name.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, 64);
  return cleaned === '' ? 'function' : cleaned;
}

function checkNumber(what: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw usageError(`${what} must be between ${min} and ${max}, got ${String(value)}`);
  }
  return value;
}

function checkInteger(what: string, value: number, min: number, max: number): number {
  checkNumber(what, value, min, max);
  if (!Number.isInteger(value)) throw usageError(`${what} must be a whole number, got ${value}`);
  return value;
}

/**
 * For onLog: nothing while the stream takes more, else a promise of its 'drain' (or of its
 * end). The function's output then waits in its pipe instead of piling up in this process,
 * which a function logging faster than a slow reader takes would otherwise grow without bound.
 */
export function backPressure(stream: NodeJS.WritableStream): Promise<void> | undefined {
  if ((stream as { writableNeedDrain?: boolean }).writableNeedDrain !== true) return undefined;
  // One wait per stream, however many sandboxes ask: a listener per chunk would pile up (and warn) at high -c.
  let drained = pendingDrains.get(stream);
  if (drained === undefined) {
    drained = new Promise((resolve) => {
      const done = (): void => {
        for (const event of ['drain', 'close', 'error']) stream.off(event, done);
        pendingDrains.delete(stream);
        resolve();
      };
      for (const event of ['drain', 'close', 'error']) stream.once(event, done);
    });
    pendingDrains.set(stream, drained);
  }
  return drained;
}

const pendingDrains = new WeakMap<NodeJS.WritableStream, Promise<void>>();
