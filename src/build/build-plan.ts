/**
 * Whether a function needs a build, and which: none for a JavaScript handler (today's path,
 * which never loads esbuild), SAM's esbuild build for `Metadata: { BuildMethod: esbuild }`,
 * and emu's own for a handler whose module exists only as TypeScript.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors/emu-error.js';
import { mapBuildProperties, type PlanOptions } from './build-properties.js';

export interface BuildRequest {
  /** The function's name in messages: its logical id in a template. */
  functionName: string;
  /** The function's code folder (a template's CodeUri, resolved). */
  codeDir: string;
  /** AWS handler string relative to codeDir, as written in the template. */
  handler: string;
  runtime?: string;
  /** The template resource's Metadata (BuildMethod, BuildProperties). */
  metadata?: unknown;
  /** The function's environment: `NODE_OPTIONS=--enable-source-maps` turns Sourcemap on, as sam build does. */
  env?: Record<string, string>;
}

export interface EsbuildPlan {
  kind: 'esbuild';
  functionName: string;
  /** Absolute. */
  codeDir: string;
  handler: string;
  /** metadata: SAM's build, artifact laid out as sam build lays it out; typescript: emu's, the handler's path kept. */
  origin: 'metadata' | 'typescript';
  /** Relative to codeDir, each an existing file. */
  entryPoints: string[];
  options: PlanOptions;
  /** The function's NODE_OPTIONS, kept in front of --enable-source-maps (see BuildResult.env). */
  nodeOptions?: string;
  warnings: string[];
}

export type BuildPlan = { kind: 'none' } | EsbuildPlan;

const JS_EXTENSIONS = ['.js', '.mjs', '.cjs'];
const TS_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx'];
/** BuildMethods sam build knows that build no Node.js code (samcli/lib/build/workflow_config.py). */
const OTHER_METHODS = ['makefile', 'dotnet', 'dotnet7', 'rust-cargolambda', 'python-uv'];

export function resolveBuild(request: BuildRequest): BuildPlan {
  const codeDir = path.resolve(request.codeDir);
  const metadata = isRecord(request.metadata) ? request.metadata : {};
  const method = metadata.BuildMethod;
  if (method === 'esbuild') return metadataPlan({ ...request, codeDir }, metadata.BuildProperties);
  if (method !== undefined && !(typeof method === 'string' && /^nodejs\d+\.x$/.test(method))) {
    const known = typeof method === 'string' && OTHER_METHODS.includes(method) ? 'a sam build method for other languages' : 'unknown';
    throw usageError(`${request.functionName}: Metadata.BuildMethod ${JSON.stringify(method)} is not supported by emu (${known}; emu builds esbuild and nodejsNN.x, and does not support ${OTHER_METHODS.join(', ')})`);
  }
  return typeScriptPlan({ ...request, codeDir });
}

function metadataPlan(request: BuildRequest, properties: unknown): EsbuildPlan {
  if (properties !== undefined && !isRecord(properties)) throw usageError(`${request.functionName}: Metadata.BuildProperties must be a mapping`);
  const props = { ...(properties ?? {}) };
  // sam build turns Sourcemap on when the function's NODE_OPTIONS has --enable-source-maps (samcli/lib/build/bundler.py).
  if (props.Sourcemap === undefined && hasSourceMapsFlag(request.env?.NODE_OPTIONS)) props.Sourcemap = true;
  const { options, warnings } = mapBuildProperties(request.functionName, props);
  if (options.external?.includes('./node_modules/*')) options.external = packageDependencies(request.codeDir);
  const entryPoints = metadataEntryPoints(request, props.EntryPoints);
  checkLoadable(request.functionName, options);
  return { kind: 'esbuild', functionName: request.functionName, codeDir: request.codeDir, handler: request.handler, origin: 'metadata', entryPoints, options, nodeOptions: request.env?.NODE_OPTIONS, warnings };
}

/**
 * SAM's entry points: the template's, or the handler's module (the handler up to its first dot);
 * one without an extension is tried as .ts, then .js (lambda-builders' _get_explicit_file_type).
 */
function metadataEntryPoints(request: BuildRequest, given: unknown): string[] {
  const where = `${request.functionName}: BuildProperties.EntryPoints`;
  if (given !== undefined && (!Array.isArray(given) || given.length === 0 || !given.every((item) => typeof item === 'string'))) {
    throw usageError(`${where} must be a non-empty list of files`);
  }
  const entries = (given as string[] | undefined) ?? [request.handler.split('.')[0] ?? ''];
  return entries.map((entry) => {
    const candidates = path.extname(entry) !== '' ? [entry] : [`${entry}.ts`, `${entry}.js`];
    const found = candidates.find((candidate) => isFile(path.join(request.codeDir, candidate)));
    if (found === undefined) {
      const from = given === undefined ? ` (from Handler ${request.handler})` : '';
      throw usageError(`${where}: ${candidates.join(' or ')} does not exist in ${request.codeDir}${from}`);
    }
    return found;
  });
}

/**
 * The handler's module exists only as TypeScript: built as SAM builds (bundled, platform node) with source
 * maps, for the runtime's Node, in the module format Node would give its .js twin (.mts and "type": "module": ESM).
 */
function typeScriptPlan(request: BuildRequest): BuildPlan {
  const moduleBase = handlerModule(request.handler);
  if (moduleBase === undefined) return { kind: 'none' };
  const base = path.join(request.codeDir, moduleBase);
  if (isFile(base) || JS_EXTENSIONS.some((extension) => isFile(base + extension))) return { kind: 'none' };
  const extension = TS_EXTENSIONS.find((candidate) => isFile(base + candidate));
  if (extension === undefined) return { kind: 'none' };
  const esm = extension === '.mts' || (extension !== '.cts' && nearestPackageType(base) === 'module');
  const outExtension = esm ? '.mjs' : extension === '.cts' ? '.cjs' : '.js';
  // The Node the function runs on as target, not SAM's es2020: that refuses top-level await, which an ES module may use.
  const target = [`node${runtimeMajor(request.runtime)}`];
  // Not minified, unlike SAM's default: stack traces keep the function names the developer wrote.
  const options: PlanOptions = { format: esm ? 'esm' : 'cjs', target, sourcemap: true, outExtension: { '.js': outExtension } };
  return { kind: 'esbuild', functionName: request.functionName, codeDir: request.codeDir, handler: request.handler, origin: 'typescript', entryPoints: [moduleBase + extension], options, nodeOptions: request.env?.NODE_OPTIONS, warnings: [] };
}

/** 20 for nodejs20.x; the running Node's major version when the runtime says nothing. */
function runtimeMajor(runtime: string | undefined): string {
  return /^nodejs(\d+)\.x$/.exec(runtime ?? '')?.[1] ?? process.versions.node.split('.')[0] ?? '20';
}

/** The module part of an AWS handler string ("src/orders.handler" → "src/orders"), as the bootstrap reads it. */
function handlerModule(handler: string): string | undefined {
  const name = path.posix.basename(handler);
  const dot = name.indexOf('.');
  if (dot <= 0 || handler.includes('..')) return undefined;
  return path.posix.join(path.posix.dirname(handler), name.slice(0, dot));
}

/**
 * What cannot load as a Lambda handler: an IIFE exports nothing, an ES module in a .js file is
 * CommonJS in Lambda's task root (no package.json there), CommonJS in a .mjs file is an ES module.
 */
function checkLoadable(functionName: string, options: PlanOptions): void {
  const outExtension = options.outExtension?.['.js'] ?? '.js';
  if (options.format === 'iife') throw usageError(`${functionName}: BuildProperties.Format iife exports no handler; use cjs or esm`);
  if (options.format === 'esm' && outExtension === '.js') throw usageError(`${functionName}: BuildProperties.Format esm needs OutExtension .js=.mjs (a .js file in Lambda's task root loads as CommonJS)`);
  if (options.format !== 'esm' && outExtension === '.mjs') throw usageError(`${functionName}: BuildProperties.OutExtension .js=.mjs needs Format esm (a .mjs file loads as an ES module)`);
  if (options.format === 'esm' && outExtension === '.cjs') throw usageError(`${functionName}: BuildProperties.OutExtension .js=.cjs needs Format cjs (a .cjs file loads as CommonJS)`);
}

/** `External: ['./node_modules/*']` makes every package.json dependency external in sam build (lambda-builders' build_with_no_dependencies). */
function packageDependencies(codeDir: string): string[] {
  try {
    const manifest = JSON.parse(readFileSync(path.join(codeDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    return Object.keys(manifest.dependencies ?? {});
  } catch {
    return [];
  }
}

export function hasSourceMapsFlag(nodeOptions: string | undefined): boolean {
  return (nodeOptions ?? '').split(/\s+/).includes('--enable-source-maps');
}

function nearestPackageType(file: string): string | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: string }).type ?? 'commonjs';
    } catch {
      if (path.dirname(dir) === dir || path.basename(dir) === 'node_modules') return undefined;
    }
  }
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
