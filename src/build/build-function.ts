/**
 * Builds a function's plan, or finds it built: the result is the codeDir and handler to run
 * the function with, and the variables its environment needs (source maps on).
 */
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { defaultCacheRoot, functionCacheDir, linkPackages, readCachedBuild, scratchDir, storeBuild, type CachedBuild } from './build-cache.js';
import { buildInputs } from './build-inputs.js';
import { hasSourceMapsFlag, type EsbuildPlan } from './build-plan.js';
import { runEsbuild } from './run-esbuild.js';
import { monotonicMs } from '../measure/clock.js';

export interface BuildFunctionOptions {
  /** Where builds are kept. Default: node_modules/.cache/emu in the code folder's package root, else the OS temp folder. */
  cacheDir?: string;
}

export interface BuildResult {
  /** The artifact folder: run the function with this as its codeDir (LAMBDA_TASK_ROOT). */
  codeDir: string;
  /** The handler resolved against the artifact, as sam build rewrites it. */
  handler: string;
  /** Variables to set over the function's own environment: NODE_OPTIONS with --enable-source-maps when the build has source maps. */
  env: Record<string, string>;
  /** The whole call, cache check included. */
  buildMs: number;
  /** True when nothing was compiled: every input was unchanged. */
  cacheHit: boolean;
  warnings: string[];
}

export async function buildFunction(plan: EsbuildPlan, options: BuildFunctionOptions = {}): Promise<BuildResult> {
  const startMs = monotonicMs();
  const functionDir = functionCacheDir(plan, options.cacheDir ?? defaultCacheRoot(plan.codeDir));
  const cached = readCachedBuild(functionDir);
  const build = cached ?? (await freshBuild(plan, functionDir));
  return {
    codeDir: build.artifactDir,
    handler: build.handler,
    env: sourceMapEnv(plan),
    buildMs: monotonicMs() - startMs,
    cacheHit: cached !== undefined,
    warnings: [...plan.warnings, ...build.warnings],
  };
}

async function freshBuild(plan: EsbuildPlan, functionDir: string): Promise<CachedBuild> {
  const scratch = scratchDir(functionDir);
  try {
    const output = await runEsbuild(plan, scratch);
    linkPackages(scratch, plan.codeDir);
    const inputs = buildInputs(plan.codeDir, output.inputs, plan.options.tsconfig);
    return storeBuild(functionDir, scratch, inputs, { handler: artifactHandler(plan, scratch), warnings: output.warnings });
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
}

/**
 * sam build keeps the Handler when `<artifact>/<handler's folder>/<module>.js` exists, and
 * otherwise drops the handler's folders (samcli/lib/build/bundler.py, _update_function_handler).
 */
export function artifactHandler(plan: EsbuildPlan, artifactDir: string): string {
  if (plan.origin === 'typescript' || plan.handler.startsWith('/opt/')) return plan.handler;
  const name = path.posix.basename(plan.handler);
  const stem = name.slice(0, name.length - path.posix.extname(name).length);
  const expected = path.join(artifactDir, path.posix.dirname(plan.handler), `${stem}.js`);
  return statSync(expected, { throwIfNoEntry: false })?.isFile() ? plan.handler : name;
}

/** NODE_OPTIONS as sam build sets it for a function with source maps (samcli/lib/build/bundler.py, _set_sourcemap_env_from_metadata). */
export function sourceMapEnv(plan: EsbuildPlan): Record<string, string> {
  const nodeOptions = plan.nodeOptions;
  const sourcemap = plan.options.sourcemap;
  if (sourcemap === undefined || sourcemap === false || sourcemap === 'external') return {};
  if (hasSourceMapsFlag(nodeOptions)) return {};
  return { NODE_OPTIONS: [nodeOptions ?? '', '--enable-source-maps'].join(' ').trim() };
}
