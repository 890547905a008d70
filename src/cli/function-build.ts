/**
 * A resolved function → the code it runs: as written for a JavaScript handler
 * (esbuild never loaded), else its build, from the cache when every input is
 * unchanged. The build's time is reported on its own, never as Init Duration.
 * Used by run, run --stream and bench; serve builds per function (function-code.ts).
 */
import path from 'node:path';
import type { BuildRequest } from '../build/index.js';
import type { ResolvedFunction } from './function-options.js';
import type { SetupReporter } from './function-setup.js';

/** What a command reports of a build (-v, --json, bench's report). */
export interface BuildFacts {
  buildMs: number;
  /** Nothing was compiled: every input was unchanged. */
  cacheHit: boolean;
}

export interface RunnableFunction {
  fn: ResolvedFunction;
  /** Set when the function was built. */
  build?: BuildFacts;
}

/** The build request of a resolved function: named by its logical id when it comes from a template. */
export function buildRequestOf(fn: ResolvedFunction): BuildRequest {
  return {
    functionName: fn.template?.logicalId ?? fn.functionName,
    codeDir: fn.codeDir,
    handler: fn.handler,
    ...(fn.template === undefined ? {} : { runtime: fn.template.runtime, metadata: fn.template.metadata }),
    env: fn.env,
  };
}

/** EMU_CACHE_DIR moves the build cache (a CI cache folder, a read-only checkout); default: node_modules/.cache/emu. */
export function buildCacheOption(env: NodeJS.ProcessEnv = process.env): { cacheDir?: string } {
  const dir = env.EMU_CACHE_DIR;
  return dir === undefined || dir === '' ? {} : { cacheDir: path.resolve(dir) };
}

/** Builds the function if it needs a build; a build error is a usage error (exit 2) carrying esbuild's messages. */
export async function buildIfNeeded(fn: ResolvedFunction, reporter: SetupReporter): Promise<RunnableFunction> {
  const { resolveBuild, buildFunction } = await import('../build/index.js');
  const plan = resolveBuild(buildRequestOf(fn));
  if (plan.kind === 'none') return { fn };
  const built = await buildFunction(plan, buildCacheOption());
  for (const warning of built.warnings) reporter.warning(warning);
  if (reporter.verbose) {
    const how = built.cacheHit ? 'unchanged, from the cache' : 'compiled';
    reporter.notice(`build: ${plan.functionName} ${how} in ${built.buildMs.toFixed(1)} ms (not part of Init Duration) → ${built.codeDir}`);
  }
  return {
    fn: { ...fn, handler: built.handler, codeDir: built.codeDir, env: { ...fn.env, ...built.env } },
    build: { buildMs: built.buildMs, cacheHit: built.cacheHit },
  };
}
