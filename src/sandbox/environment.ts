/**
 * The sandbox's environment, built from scratch: AWS's reserved variables plus
 * the function's own. Nothing of the supervisor's environment leaks in (not
 * its credentials, not NODE_EXTRA_CA_CERTS, which alone costs ~45 ms a start).
 */
import { randomText } from '../events/kernel-random.js';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FunctionConfig } from './function-config.js';

/** Variables AWS sets and does not let a function's configuration override. */
export const RESERVED_VARIABLES: ReadonlySet<string> = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'TZ',
]);

export interface SandboxEnvironment {
  env: Record<string, string>;
  /** One line per user variable that was refused. */
  warnings: string[];
}

export function buildSandboxEnvironment(config: FunctionConfig, runtimeApiAddress: string, runtimeDir: string): SandboxEnvironment {
  const launcher = config.runtime;
  // AWS's PATH: /var/lang/bin (Node runtimes) before the system's, /opt/bin (the layers' bin/) last.
  const layerBins = (config.layers ?? []).map((layer) => path.join(layer, 'bin')).reverse();
  const langBin = launcher.kind === 'node' ? [path.dirname(launcher.nodeExecutable)] : launcher.kind === 'python' ? [path.dirname(launcher.pythonExecutable)] : [];
  const env: Record<string, string> = {
    PATH: [...langBin, '/usr/local/bin', '/usr/bin', '/bin', ...layerBins].join(':'),
    LANG: 'en_US.UTF-8',
    ...(launcher.kind === 'node' ? { NODE_PATH: modulePath(config, runtimeDir, launcher.nodeMajor).join(':') } : {}),
    ...(launcher.kind === 'python' ? pythonPath(config, launcher.pythonVersion) : {}),
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129',
    _AWS_XRAY_DAEMON_PORT: '2000',
  };
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(config.env)) {
    if (RESERVED_VARIABLES.has(key)) warnings.push(`${key} is reserved by AWS Lambda and cannot be set; ignored`);
    else env[key] = value;
  }
  Object.assign(env, {
    _HANDLER: config.handler,
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    AWS_LAMBDA_FUNCTION_NAME: config.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: config.functionVersion,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: config.logging?.logGroup ?? `/aws/lambda/${config.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName(config.functionVersion),
    AWS_LAMBDA_RUNTIME_API: runtimeApiAddress,
    LAMBDA_TASK_ROOT: config.codeDir,
    LAMBDA_RUNTIME_DIR: runtimeDir,
    TZ: ':UTC',
  });
  // Not defined for OS-only runtimes (the provided family), as AWS documents it.
  if (launcher.kind === 'node') env.AWS_EXECUTION_ENV = `AWS_Lambda_nodejs${launcher.nodeMajor}.x`;
  if (launcher.kind === 'python') env.AWS_EXECUTION_ENV = `AWS_Lambda_python${launcher.pythonVersion}`;
  Object.assign(env, loggingVariables(config));
  if (config.credentials !== undefined) {
    env.AWS_ACCESS_KEY_ID = config.credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = config.credentials.secretAccessKey;
    if (config.credentials.sessionToken !== undefined) env.AWS_SESSION_TOKEN = config.credentials.sessionToken;
  }
  return { env, warnings };
}

/**
 * AWS's NODE_PATH, /opt/nodejs/nodeNN/node_modules:/opt/nodejs/node_modules:
 * /var/runtime/node_modules:/var/runtime:/var/task, with each layer in place of
 * /opt. AWS extracts layers into /opt in order, a later layer's files over an
 * earlier one's; kept apart here, the later layer comes first to win the same way.
 * The code folder's lib/ comes last, as emulambda had it (AWS has no such entry).
 */
function modulePath(config: FunctionConfig, runtimeDir: string, nodeMajor: string): string[] {
  const layers = [...(config.layers ?? [])].reverse();
  const lib = path.join(config.codeDir, 'lib');
  return [
    ...layers.map((layer) => path.join(layer, 'nodejs', `node${nodeMajor}`, 'node_modules')),
    ...layers.map((layer) => path.join(layer, 'nodejs', 'node_modules')),
    path.join(runtimeDir, 'node_modules'),
    runtimeDir,
    config.codeDir,
    ...(existsSync(lib) ? [lib] : []),
  ];
}

/**
 * The layers' Python folders, as AWS has them under /opt: python/ and python/lib/python3.X/site-packages,
 * a later layer first (its files win, as a later layer's files are extracted over an earlier one's).
 * The bootstrap puts LAMBDA_TASK_ROOT before them, first on sys.path.
 */
function pythonPath(config: FunctionConfig, version: string): Record<string, string> {
  const layers = [...(config.layers ?? [])].reverse();
  const folders = layers.flatMap((layer) => [path.join(layer, 'python'), path.join(layer, 'python', 'lib', `python${version}`, 'site-packages')]);
  // Bytecode goes to a cache of emu's, never beside the function's files (AWS's task root is read-only).
  const pycache = { PYTHONPYCACHEPREFIX: path.join(os.tmpdir(), `emu-pycache-${os.userInfo().uid}`) };
  return folders.length === 0 ? pycache : { ...pycache, PYTHONPATH: folders.join(':') };
}

/** The node flags AWS's Node bootstrap derives from the memory size, unless NODE_OPTIONS sets its own. */
export function heapFlags(memoryMb: number, nodeOptions: string | undefined): string[] {
  if (nodeOptions !== undefined && /--max[-_](semi|old)[-_]space[-_]size/.test(nodeOptions)) return [];
  const newSpaceMb = Math.floor(memoryMb / 10);
  const semiSpaceMb = Math.floor(newSpaceMb / 2);
  const oldSpaceMb = memoryMb - newSpaceMb;
  return [`--max-semi-space-size=${semiSpaceMb}`, `--max-old-space-size=${oldSpaceMb}`];
}

/**
 * What AWS sets from LoggingConfig (docs: "Application log-level filtering with custom runtimes"):
 * the format always, the application level in JSON format only, where filtering applies.
 * Without a LoggingConfig the function's own variables stand, as they did before AWS had one.
 */
function loggingVariables(config: FunctionConfig): Record<string, string> {
  const logging = config.logging;
  if (logging === undefined) return {};
  const variables: Record<string, string> = { AWS_LAMBDA_LOG_FORMAT: logging.format };
  if (logging.format === 'JSON') variables.AWS_LAMBDA_LOG_LEVEL = logging.applicationLogLevel ?? 'INFO';
  return variables;
}

function logStreamName(version: string): string {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[${version}]${randomText(16, 'hex')}`;
}
