/**
 * How a sandbox's process is started: the one seam between a launch (what to run, where, with
 * which environment) and the process the sandbox then watches. Two starters behind it:
 *
 * - vfork (native/sandbox-spawn.c, built at install where a C compiler and Node's headers exist):
 *   the supervisor's event loop is not blocked by a fork on every cold start, and the child arms
 *   its own parent-death signal, so no setpriv exec either;
 * - execa, the portable one, with util-linux's setpriv in front on Linux for the parent-death signal.
 *
 * Either way the process is in its own session and process group, its stdin is /dev/null, its
 * stdout and stderr are socket pairs to the supervisor, and on Linux the kernel SIGKILLs it if
 * the supervisor dies without running any code (SIGKILL, the OOM killer).
 * EMU_PROCESS_STARTER=execa picks the portable one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { execa as Execa } from 'execa';
import { internalError } from '../errors/emu-error.js';
import { takeEarlyProcess } from './early-start.js';
import { importExternal } from './external-module.js';
import { isExecutableFile } from './local-files.js';
import { VforkProcess } from './vfork-process.js';
import { monotonicMs } from '../measure/clock.js';

export interface ProcessLaunch {
  file: string;
  args: string[];
  cwd: string;
  /** The whole environment: nothing is inherited from the supervisor. */
  env: Record<string, string>;
  /** A memory cgroup's cgroup.procs file the process joins before exec, so nothing it starts is left outside. */
  cgroupProcs?: string;
  /** The runtime can start before its launch is known and be handed it on fd 3 (emu's Node bootstrap): see early-start.ts. */
  takesHandoff?: boolean;
}

/** What a sandbox needs of its process: Node's ChildProcess has this shape, and so has the vfork starter's. */
export interface SandboxProcess {
  readonly pid: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  /** After 'exit', once stdout and stderr have closed too. */
  once(event: 'close', listener: () => void): this;
  /**
   * When its init began, on monotonicMs()'s clock, asked once it has sent its first /next:
   * for a process started early (early-start.ts), its start plus the time it waited for its
   * launch. Absent where the sandbox started the process itself: its spawn is when init began.
   */
  initStartedAt?(): number | undefined;
}

export type ProcessStarter = (launch: ProcessLaunch) => SandboxProcess;

export type ProcessStarterName = 'vfork' | 'execa';

/** The starter in use: vfork where its library loads, unless EMU_PROCESS_STARTER=execa says otherwise. */
export function processStarterName(): ProcessStarterName {
  return chosenStarter().name;
}

export function startSandboxProcess(launch: ProcessLaunch): SandboxProcess {
  const early = takeEarlyProcess(launch);
  if (early !== undefined) return early;
  return chosenStarter().start(launch);
}

/**
 * Loads what the starter in use needs, before its first start: execa's module graph costs ~10 ms
 * to load (node:child_process, streams and its own modules), which a process that starts its
 * sandboxes by vfork never pays.
 */
export async function prepareProcessStarter(): Promise<void> {
  if (chosenStarter().name === 'execa') await loadExeca();
}

/** One starter by name, for a test or a benchmark to compare them: undefined where it cannot run here. */
export async function processStarter(name: ProcessStarterName): Promise<ProcessStarter | undefined> {
  if (name === 'execa') {
    await loadExeca();
    return startWithExeca;
  }
  const library = loadSpawnLibrary();
  return library === undefined ? undefined : vforkStarter(library);
}

let chosen: { name: ProcessStarterName; start: ProcessStarter } | undefined;

function chosenStarter(): { name: ProcessStarterName; start: ProcessStarter } {
  if (chosen !== undefined) return chosen;
  const library = process.env.EMU_PROCESS_STARTER === 'execa' ? undefined : loadSpawnLibrary();
  chosen = library === undefined ? { name: 'execa', start: startWithExeca } : { name: 'vfork', start: vforkStarter(library) };
  return chosen;
}

// ---------------------------------------------------------------------------------------------
// vfork

interface SpawnLibrary {
  spawn(file: string, argv: string[], envp: string[], cwd: string, parentDeathSignal: boolean, cgroupProcs: string | null): { pid: number; stdout: number; stderr: number };
  watch(pid: number, onExit: (code: number | null, signalNumber: number | null) => void): void;
}

/** Two levels up from src/sandbox/, dist/sandbox/ and the CLI bundle's dist/cli/ alike. */
const SPAWN_LIBRARY_PATH = fileURLToPath(new URL('../../native/build/sandbox-spawn.node', import.meta.url));

let loaded: { library: SpawnLibrary | undefined } | undefined;

function loadSpawnLibrary(): SpawnLibrary | undefined {
  loaded ??= { library: openSpawnLibrary() };
  return loaded.library;
}

function openSpawnLibrary(): SpawnLibrary | undefined {
  if (process.platform !== 'linux' || !existsSync(SPAWN_LIBRARY_PATH)) return undefined;
  const module = { exports: {} as Partial<SpawnLibrary> };
  try {
    process.dlopen(module, SPAWN_LIBRARY_PATH);
  } catch {
    return undefined; // built for another machine, say: execa still starts sandboxes
  }
  const { spawn, watch } = module.exports;
  return typeof spawn === 'function' && typeof watch === 'function' ? { spawn, watch } : undefined;
}

function vforkStarter(library: SpawnLibrary): ProcessStarter {
  return (launch) => startWithVfork(library, launch);
}

function startWithVfork(library: SpawnLibrary, launch: ProcessLaunch): SandboxProcess {
  const file = resolveExecutable(launch.file, launch.env.PATH, launch.cwd);
  const envp = Object.entries(launch.env).map(([name, value]) => `${name}=${value}`);
  let started: { pid: number; stdout: number; stderr: number };
  try {
    started = library.spawn(file, [launch.file, ...launch.args], envp, launch.cwd, true, launch.cgroupProcs ?? null);
  } catch (error) {
    throw internalError(`could not start the sandbox with ${launch.file} in ${launch.cwd}: ${(error as Error).message}`);
  }
  return new VforkProcess(started, (onExit) => library.watch(started.pid, onExit));
}

/** execve takes a path: a bare name is looked up in the sandbox's PATH, as execvp would (skipping what it cannot execute). */
function resolveExecutable(file: string, searchPath: string | undefined, cwd: string): string {
  if (file.includes('/')) return path.resolve(cwd, file);
  for (const dir of (searchPath ?? '').split(':')) {
    const candidate = path.resolve(cwd, dir === '' ? '.' : dir, file);
    if (isExecutableFile(candidate)) return candidate;
  }
  return file; // execve says ENOENT
}

// ---------------------------------------------------------------------------------------------
// execa

/**
 * Where setpriv is, if the kernel has parent-death signals: it sets the signal and execs the
 * runtime in the same process, so its pid, memory and exit are the runtime's. Elsewhere a sandbox
 * notices a dead supervisor only when its event loop is free (its Runtime API connection closes).
 */
const SETPRIV = process.platform === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'].find((file) => existsSync(file)) : undefined;

let execaModule: { execa: typeof Execa } | undefined;

async function loadExeca(): Promise<void> {
  execaModule ??= await importExternal<typeof import('execa')>('execa');
}

function startWithExeca(launch: ProcessLaunch): SandboxProcess {
  // A shell joins the cgroup (its own pid, then exec: the same process), then runs the runtime.
  const command =
    launch.cgroupProcs === undefined
      ? { file: launch.file, args: launch.args }
      : { file: '/bin/sh', args: ['-c', 'echo $$ > "$0" && exec "$@"', launch.cgroupProcs, launch.file, ...launch.args] };
  const [file, args] = SETPRIV === undefined ? [command.file, command.args] : [SETPRIV, ['--pdeathsig', 'KILL', '--', command.file, ...command.args]];
  if (execaModule === undefined) throw internalError('the execa starter was used before prepareProcessStarter() loaded it');
  const subprocess = execaModule.execa(file, args, {
    cwd: launch.cwd,
    env: launch.env,
    extendEnv: false,
    detached: true, // its own process group, so a kill reaches grandchildren
    stdin: 'ignore',
    buffer: false,
    reject: false,
    cleanup: false, // emu's own exit hook kills the whole tree, not just this pid
  });
  void subprocess.catch(() => {}); // failures are seen through the child's 'exit'
  if (subprocess.pid === undefined) throw internalError(`could not start the sandbox with ${launch.file}`);
  return subprocess as SandboxProcess; // execa's pid is optional in its type; it was just checked
}
