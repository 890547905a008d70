/**
 * Incremental rebuilds for `emu serve --watch`: one esbuild context per function, rebuilt when
 * the caller's file watcher says so. Each rebuild lands in the cache as a build of its own (a
 * later `emu run` of the same code is a hit), so a warm sandbox keeps the files it loaded.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildResult as EsbuildResult } from 'esbuild';
import { defaultCacheRoot, functionCacheDir, linkPackages, scratchDir, storeBuild } from './build-cache.js';
import { formatMessage } from './build-error.js';
import { artifactHandler, sourceMapEnv, type BuildResult } from './build-function.js';
import { buildInputs } from './build-inputs.js';
import type { EsbuildPlan } from './build-plan.js';
import { asBuildError, esbuildOptions, loadEsbuild } from './run-esbuild.js';
import { monotonicMs } from '../measure/clock.js';

export interface WatchBuildOptions {
  cacheDir?: string;
  /** A rebuild produced a different artifact: replace the function's sandboxes. */
  onRebuilt?: (result: BuildResult) => void;
}

export interface BuildWatcher {
  /** Rebuilds now (call it when a file changed); calls during a rebuild share one more after it. Rejects with the build's error. */
  rebuild(): Promise<BuildResult>;
  /** Waits for a rebuild in progress, then the last good build; rejects with the build error of a function that never built. */
  latest(): Promise<BuildResult>;
  /** Every file the last build depended on (sources outside the code folder included), for the caller's watcher. */
  inputs(): string[];
  close(): Promise<void>;
}

/** Resolves once the first build has settled, built or not (a failure is latest()'s rejection). */
export async function watchBuild(plan: EsbuildPlan, options: WatchBuildOptions = {}): Promise<BuildWatcher> {
  const functionDir = functionCacheDir(plan, options.cacheDir ?? defaultCacheRoot(plan.codeDir));
  // Never written (write: false): outputs are written to a fresh folder at the same depth, so source map paths hold.
  const outdir = path.join(functionDir, 'watch');
  const esbuild = loadEsbuild();
  const context = await esbuild.context({ ...esbuildOptions(plan, outdir), write: false }).catch((error: unknown) => Promise.reject(asBuildError(plan, error)));
  let good: BuildResult | undefined;
  let lastError: unknown;
  let lastInputs: string[] = [];
  let running: Promise<BuildResult> | undefined;
  let queued: Promise<BuildResult> | undefined;
  let firstSettled = false;

  const once = async (): Promise<BuildResult> => {
    const startMs = monotonicMs();
    try {
      const output = await context.rebuild();
      lastInputs = buildInputs(plan.codeDir, Object.keys(output.metafile?.inputs ?? {}), plan.options.tsconfig);
      const result = storeOutputs(plan, functionDir, outdir, output, lastInputs, startMs);
      const changed = result.codeDir !== good?.codeDir;
      good = result;
      lastError = undefined;
      if (changed && firstSettled) options.onRebuilt?.(result);
      return result;
    } catch (error) {
      lastError = asBuildError(plan, error);
      throw lastError;
    }
  };
  const rebuild = (): Promise<BuildResult> => {
    if (running === undefined) {
      running = once().finally(() => (running = undefined));
      return running;
    }
    queued ??= running.catch(() => {}).then(() => {
      queued = undefined;
      return rebuild();
    });
    return queued;
  };
  await rebuild().catch(() => {});
  firstSettled = true;
  return {
    rebuild,
    async latest() {
      await (queued ?? running)?.catch(() => {});
      if (good !== undefined) return good;
      throw lastError;
    },
    inputs: () => [...lastInputs],
    close: () => context.dispose(),
  };
}

function storeOutputs(plan: EsbuildPlan, functionDir: string, outdir: string, output: EsbuildResult, inputs: string[], startMs: number): BuildResult {
  const scratch = scratchDir(functionDir);
  for (const file of output.outputFiles ?? []) {
    const target = path.join(scratch, path.relative(outdir, file.path));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.contents);
  }
  linkPackages(scratch, plan.codeDir);
  const warnings = output.warnings.map((warning) => formatMessage(warning, plan.codeDir));
  const stored = storeBuild(functionDir, scratch, inputs, { handler: artifactHandler(plan, scratch), warnings });
  return { codeDir: stored.artifactDir, handler: stored.handler, env: sourceMapEnv(plan), buildMs: monotonicMs() - startMs, cacheHit: false, warnings: [...plan.warnings, ...warnings] };
}
