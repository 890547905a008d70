/**
 * What a served function runs, over time: its code as written, its build, or (watched) the
 * latest good build. Each new version is a new RunnableCode object, so a holder can tell
 * versions apart by identity and start fresh sandboxes for a new one.
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildFunction, type BuildResult } from './build-function.js';
import { resolveBuild, type BuildRequest, type EsbuildPlan } from './build-plan.js';
import { watchBuild } from './watch-build.js';
import { watchFiles } from './watch-files.js';

export interface RunnableCode {
  handler: string;
  codeDir: string;
  /** Variables over the function's own (NODE_OPTIONS with --enable-source-maps for a build with source maps). */
  env: Record<string, string>;
}

export interface CodeSource {
  /** The code for the next invocation: waits for a build in progress; rejects with the error of code that never built. */
  ready(): Promise<RunnableCode>;
  /** Called with each new version (a rebuild, or with plain code any file changed), and why. */
  onChange(listener: (code: RunnableCode, reason: string) => void): void;
  close(): Promise<void>;
}

export interface CodeSourceOptions {
  watch: boolean;
  cacheDir?: string;
  /** A build failed: the message is the user's to read (the last good build keeps serving). */
  onBuildError(error: unknown): void;
  onWarning?(message: string): void;
}

/** Plain code restarts after a quiet burst; a build starts at once (a second edit during it gets one more build). */
const PLAIN_QUIET_MS = 100;
const BUILD_QUIET_MS = 10;

export async function openCodeSource(request: BuildRequest, options: CodeSourceOptions): Promise<CodeSource> {
  const plan = resolveBuild(request);
  if (plan.kind === 'none') return plainCode(request, options.watch);
  return options.watch ? watchedBuild(plan, options) : builtOnce(plan, options);
}

function plainCode(request: BuildRequest, watch: boolean): CodeSource {
  let code: RunnableCode = { handler: request.handler, codeDir: path.resolve(request.codeDir), env: {} };
  let listener: ((code: RunnableCode, reason: string) => void) | undefined;
  const versionCaches: string[] = [];
  const stop = watch
    ? watchFiles(code.codeDir, { quietMs: PLAIN_QUIET_MS }, (file) => {
        // Python trusts cached bytecode whose source has the same mtime (in whole seconds) and size: a
        // module saved twice within a second, its size unchanged, would run stale. Each version gets its own cache.
        const pycache = path.join(os.tmpdir(), `emu-pycache-${os.userInfo().uid}`, `watch-${process.pid}-${versionCaches.length + 1}`);
        versionCaches.push(pycache);
        code = { ...code, env: { ...code.env, PYTHONPYCACHEPREFIX: pycache } };
        listener?.(code, `${file} changed`);
      })
    : () => {};
  return {
    ready: () => Promise.resolve(code),
    onChange: (next) => (listener = next),
    close: async () => {
      stop();
      for (const cache of versionCaches) rmSync(cache, { recursive: true, force: true });
    },
  };
}

async function builtOnce(plan: EsbuildPlan, options: CodeSourceOptions): Promise<CodeSource> {
  const built = buildFunction(plan, options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }).then((result) => {
    for (const warning of result.warnings) options.onWarning?.(warning);
    return runnable(result);
  });
  built.catch(options.onBuildError);
  await built.catch(() => {});
  return { ready: () => built, onChange: () => {}, close: async () => {} };
}

async function watchedBuild(plan: EsbuildPlan, options: CodeSourceOptions): Promise<CodeSource> {
  let listener: ((code: RunnableCode, reason: string) => void) | undefined;
  let reason = 'rebuilt';
  let current: RunnableCode | undefined;
  const watcher = await watchBuild(plan, {
    ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
    onRebuilt: (result) => {
      current = runnable(result);
      listener?.(current, reason);
    },
  });
  const ready = async (): Promise<RunnableCode> => {
    const result = await watcher.latest();
    if (current?.codeDir !== result.codeDir) current = runnable(result);
    return current;
  };
  const stopCodeDir = watchFiles(plan.codeDir, { quietMs: BUILD_QUIET_MS }, onEdit);
  const outside = outsideWatcher(plan.codeDir, onEdit);
  outside.update(watcher.inputs());
  function onEdit(file: string): void {
    reason = `${file} changed, rebuilt`;
    watcher.rebuild().then(() => outside.update(watcher.inputs()), options.onBuildError); // the bundle's graph may have changed
  }
  await ready().catch(options.onBuildError);
  return {
    ready,
    onChange: (next) => (listener = next),
    close: async () => {
      stopCodeDir();
      outside.update([]);
      await watcher.close();
    },
  };
}

function runnable(result: BuildResult): RunnableCode {
  return { handler: result.handler, codeDir: result.codeDir, env: result.env };
}

/**
 * The bundle's sources outside the code folder (a shared ../lib), packages in node_modules aside: their
 * folders are watched, and only a change to one of those files counts (a log written beside them is no edit).
 */
function outsideWatcher(codeDir: string, onEdit: (file: string) => void): { update(inputs: string[]): void } {
  let watched = '';
  let stops: Array<() => void> = [];
  return {
    update(inputs) {
      const files = inputs.filter((file) => !file.split(path.sep).includes('node_modules') && path.relative(codeDir, file).startsWith('..')).sort();
      if (files.join('\n') === watched) return;
      for (const stop of stops) stop();
      watched = files.join('\n');
      const byDir = new Map<string, Set<string>>();
      for (const file of files) byDir.set(path.dirname(file), (byDir.get(path.dirname(file)) ?? new Set()).add(path.basename(file)));
      stops = [...byDir].map(([dir, names]) => watchFiles(dir, { quietMs: BUILD_QUIET_MS, recursive: false, only: names }, (file) => onEdit(path.join(dir, file))));
    },
  };
}
