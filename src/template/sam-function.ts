/**
 * One AWS::Serverless::Function (Globals merged, intrinsics resolved) →
 * what emu runs, or the reason it cannot run it. Every property emu does
 * not apply is named in a warning.
 */
import path from 'node:path';
import { listCors } from './api-cors.js';
import { isUnresolved } from './intrinsics.js';
import { readLoggingConfig } from './logging-config.js';
import { setOwn } from './plain-data.js';
import { asMap, routesFromEvents, type ApiCatalogue } from './sam-events.js';
import type { Architecture, TemplateFunction } from './template-function.js';

const APPLIED = new Set([
  'FunctionName', 'CodeUri', 'Handler', 'Runtime', 'MemorySize', 'Timeout', 'Environment', 'Events', 'FunctionUrlConfig', 'PackageType', 'Layers', 'Role', 'Architectures', 'LoggingConfig',
]);
const ARCHITECTURES: readonly Architecture[] = ['x86_64', 'arm64'];
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
/** Deployment and IAM settings: meaningful on AWS, nothing to emulate on one machine. */
const NO_LOCAL_EFFECT = new Set([
  'Description', 'Tags', 'Policies', 'RolePath', 'PermissionsBoundary', 'AssumeRolePolicyDocument',
  'Tracing', 'AutoPublishAlias', 'AutoPublishCodeSha256', 'DeploymentPreference', 'ProvisionedConcurrencyConfig',
  'ReservedConcurrentExecutions', 'VpcConfig', 'KmsKeyArn', 'CodeSigningConfigArn', 'PropagateTags', 'VersionDescription',
]);

export interface FunctionContext {
  templateDir: string;
  /** Logical id → absolute folder of each local AWS::Serverless::LayerVersion. */
  localLayers: Record<string, string>;
  apis: ApiCatalogue;
  warn(message: string): void;
  /** Warnings only a server's start-up report needs (events, Function URL auth, settings with no local effect). Default: warn. */
  warnServe?(message: string): void;
}

export type FunctionReading = { ok: true; fn: TemplateFunction } | { ok: false; reason: string };

export function readSamFunction(logicalId: string, properties: Record<string, unknown>, functionName: string, context: FunctionContext): FunctionReading {
  const warn = (message: string): void => context.warn(`${logicalId}: ${message}`);
  const warnServe = (message: string): void => (context.warnServe ?? context.warn)(`${logicalId}: ${message}`);
  const refusal = refuse(properties);
  if (refusal !== undefined) return { ok: false, reason: refusal };
  const logging = readLoggingConfig(properties.LoggingConfig);
  if (!logging.ok) return { ok: false, reason: logging.reason };
  if (logging.ignored.length > 0) warn(`LoggingConfig: not supported, ignored: ${logging.ignored.join(', ')}`);
  const codeUri = properties.CodeUri ?? '.';
  if (typeof codeUri !== 'string' || codeUri.startsWith('s3://')) return { ok: false, reason: 'CodeUri is not a local folder' };
  reportIgnored(properties, warn, warnServe);
  const fn: TemplateFunction = {
    logicalId,
    functionName,
    codeDir: path.resolve(context.templateDir, codeUri),
    handler: String(properties.Handler),
    runtime: String(properties.Runtime),
    env: environment(properties.Environment, warn),
    routes: routesFromEvents(properties.Events, context.apis, warnServe),
    functionUrl: properties.FunctionUrlConfig !== undefined,
    layers: layerFolders(properties.Layers, context.localLayers, warn),
  };
  if (typeof properties.Role === 'string' && ROLE_ARN.test(properties.Role)) fn.roleArn = properties.Role;
  else if (properties.Role !== undefined) warn('Role is not a literal role ARN (it is created by the stack); emu uses your own credentials unless you pass --role');
  if (properties.MemorySize !== undefined) fn.memoryMb = Number(properties.MemorySize);
  if (properties.Timeout !== undefined) fn.timeoutSeconds = Number(properties.Timeout);
  if (logging.logging !== undefined) fn.logging = logging.logging;
  const architecture = architectureOf(properties.Architectures, warn);
  if (architecture !== undefined) fn.architecture = architecture;
  if (fn.functionUrl && asMap(properties.FunctionUrlConfig).AuthType === 'AWS_IAM') warnServe('FunctionUrlConfig AuthType AWS_IAM is not enforced locally');
  const urlCors = fn.functionUrl ? listCors('function-url', asMap(properties.FunctionUrlConfig).Cors) : undefined;
  if (urlCors !== undefined) fn.functionUrlCors = urlCors;
  if (fn.functionUrl && asMap(properties.FunctionUrlConfig).InvokeMode === 'RESPONSE_STREAM') fn.functionUrlStreaming = true;
  return { ok: true, fn };
}

function refuse(properties: Record<string, unknown>): string | undefined {
  if (properties.PackageType === 'Image') return 'PackageType Image (container images) is not supported';
  if (properties.InlineCode !== undefined) return 'InlineCode is not supported (sam local refuses it too)';
  const runtime = properties.Runtime;
  if (typeof runtime !== 'string') return 'no Runtime (neither on the function nor in Globals)';
  if (!/^(nodejs\d+\.x|python3\.\d+|provided(\.al2|\.al2023)?)$/.test(runtime)) return `Runtime ${runtime} is not one emu runs (Node.js, Python 3, provided.al2023, provided.al2)`;
  // A custom runtime's bootstrap reads _HANDLER as it likes; Lambda requires one all the same.
  if (typeof properties.Handler !== 'string' || properties.Handler === '') return 'no Handler';
  for (const key of ['MemorySize', 'Timeout']) {
    if (properties[key] !== undefined && !isNumber(properties[key])) return `${key} is not a number: ${JSON.stringify(properties[key])}`;
  }
  return undefined;
}

/** A number, or the text of one (as a parameter gives it); not NaN from `abc` or an unresolved intrinsic. */
function isNumber(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value));
}

function reportIgnored(properties: Record<string, unknown>, warn: (message: string) => void, warnServe: (message: string) => void): void {
  const keys = Object.keys(properties).filter((key) => !APPLIED.has(key));
  const unsupported = keys.filter((key) => !NO_LOCAL_EFFECT.has(key));
  const noEffect = keys.filter((key) => NO_LOCAL_EFFECT.has(key));
  if (unsupported.length > 0) warn(`not supported, ignored: ${unsupported.join(', ')}`);
  if (noEffect.length > 0) warnServe(`no local effect, ignored: ${noEffect.join(', ')}`);
}

/** `[x86_64]` or `[arm64]`, as AWS takes it. emu runs on this machine's architecture either way; it is known for the cost estimates and reports. */
function architectureOf(value: unknown, warn: (message: string) => void): Architecture | undefined {
  if (value === undefined) return undefined;
  const [only, ...more] = Array.isArray(value) ? value : [value];
  const known = ARCHITECTURES.find((name) => name === only);
  if (known !== undefined && more.length === 0) return known;
  warn(`Architectures must be [x86_64] or [arm64], got ${JSON.stringify(value)} (ignored)`);
  return undefined;
}

/** Values stringified as sam local does: booleans "true"/"false"; null, maps, lists and unresolved intrinsics "". */
function environment(value: unknown, warn: (message: string) => void): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, raw] of Object.entries(asMap(asMap(value).Variables))) {
    if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') {
      setOwn(env, name, String(raw));
      continue;
    }
    if (isUnresolved(raw)) warn(`environment variable ${name} uses ${JSON.stringify(raw)}, which cannot be resolved locally; it is set to ""`);
    setOwn(env, name, '');
  }
  return env;
}

/** A layer that is a local LayerVersion is used in place; a published layer ARN cannot be fetched. */
function layerFolders(value: unknown, localLayers: Record<string, string>, warn: (message: string) => void): string[] {
  if (value === undefined) return [];
  const folders: string[] = [];
  for (const layer of Array.isArray(value) ? value : [value]) {
    const folder = typeof layer === 'string' ? localLayers[layer] : undefined;
    if (folder !== undefined) folders.push(folder);
    else warn(`layer ${JSON.stringify(layer)} is not a local AWS::Serverless::LayerVersion; pass its content with --layer DIR`);
  }
  return folders;
}
