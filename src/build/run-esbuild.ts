/**
 * One esbuild build of a plan into a scratch folder. esbuild is imported here, on the first
 * build only: a JavaScript handler or a cache hit never pays for loading it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { BuildOptions } from 'esbuild';
import { internalError, usageError } from '../errors/emu-error.js';
import { BuildError, formatMessage, isBuildFailure } from './build-error.js';
import type { EsbuildPlan } from './build-plan.js';
import { buildWithCli } from './esbuild-cli.js';

export interface EsbuildOutput {
  /** The bundle's graph, as esbuild's metafile names them (relative to the code folder). */
  inputs: string[];
  warnings: string[];
}

/** The options a plan is built with: SAM's fixed ones (bundle, platform node, outdir) over the plan's. */
export function esbuildOptions(plan: EsbuildPlan, outdir: string): BuildOptions {
  return {
    ...plan.options,
    entryPoints: plan.entryPoints,
    absWorkingDir: plan.codeDir,
    outdir,
    // emu's own TypeScript build keeps the handler's path; SAM's puts outputs under the entry points' common folder.
    ...(plan.origin === 'typescript' ? { outbase: plan.codeDir } : {}),
    bundle: true,
    platform: 'node',
    metafile: true,
    write: true,
    logLevel: 'silent',
  };
}

/**
 * esbuild is CommonJS: required, not import()ed, so the CLI's bundle (CommonJS, run from a V8
 * code cache, which drops its dynamic-import callback) never starts Node's ESM loader for it.
 */
export function loadEsbuild(): typeof import('esbuild') {
  return createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
}

/** Through esbuild's CLI when it builds cleanly (the fast path); else again through the API, whose messages are structured. */
export async function runEsbuild(plan: EsbuildPlan, outdir: string): Promise<EsbuildOutput> {
  const viaCli = await buildWithCli(plan, outdir);
  if (viaCli !== undefined) return { inputs: viaCli.inputs, warnings: [] };
  rmSync(outdir, { recursive: true, force: true }); // whatever a failed CLI build left
  mkdirSync(outdir, { recursive: true });
  const esbuild = loadEsbuild();
  try {
    const result = await esbuild.build(esbuildOptions(plan, outdir));
    return { inputs: Object.keys(result.metafile?.inputs ?? {}), warnings: result.warnings.map((warning) => formatMessage(warning, plan.codeDir)) };
  } catch (error) {
    throw asBuildError(plan, error);
  }
}

export function asBuildError(plan: EsbuildPlan, error: unknown): Error {
  if (isBuildFailure(error)) return new BuildError(plan.functionName, error.errors.map((message) => formatMessage(message, plan.codeDir)));
  const message = error instanceof Error ? error.message : String(error);
  // esbuild checks option values before building, naming the CLI flag, e.g. Invalid target "es1999" in "--target=es1999".
  if (/^(Invalid|Expected|Must|"[^"]*" must)\b/.test(message)) return usageError(`${plan.functionName}: BuildProperties: esbuild refuses an option: ${message}`);
  return internalError(`${plan.functionName}: esbuild failed: ${message}`, error);
}
