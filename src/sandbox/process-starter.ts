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
import { closeSync, existsSync, readSync, writeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { execa as Execa } from 'execa';
import { internalError } from '../errors/emu-error.js';
import { importExternal } from './external-module.js';
import { isExecutableFile } from './local-files.js';

export interface ProcessLaunch {
  file: string;
  args: string[];
  cwd: string;
  /** The whole environment: nothing is inherited from the supervisor. */
  env: Record<string, string>;
  /** A memory cgroup's cgroup.procs file the process joins before exec, so nothing it starts is left outside. */
  cgroupProcs?: string;
  /** The runtime can start before its launch is known and be handed it on fd 3 (emu's Node bootstrap): see EarlyStart. */
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
   * When its init began, on performance.now()'s clock, once it has asked for its first event:
   * for a process started early, its start plus the time it waited for its launch. Undefined:
   * when the sandbox started it.
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

// ---------------------------------------------------------------------------------------------
// Early start (bin/early-start.cjs)

/** What `emu run`'s process boundary started before the CLI loaded: a launch remembered from the same command's last run. */
export interface EarlyStart {
  /** The early process, once; undefined when there is none. */
  take(): EarlyProcess | undefined;
  /** The launch to start early next time this command runs. */
  remember(launch: RememberedLaunch): void;
}

export interface RememberedLaunch {
  file: string;
  args: string[];
  /** The launch's variables that its process reads while it starts (STARTUP_VARIABLE). */
  startupEnv: Record<string, string>;
}

export interface EarlyProcess {
  readonly launch: RememberedLaunch;
  readonly pid: number;
  readonly stdout: number;
  readonly stderr: number;
  /** The socket its fd 3 is: the launch goes out on it, the time waited for it comes back. */
  readonly handoff: number;
  /** performance.now() when it was started. */
  readonly startedAt: number;
  onExit(listener: (code: number | null, signalNumber: number | null) => void): void;
}

/**
 * What a process reads from its environment while it starts, before a line of JavaScript runs:
 * Node (NODE_OPTIONS, NODE_PATH, NODE_EXTRA_CA_CERTS, ...), the dynamic linker (LD_LIBRARY_PATH),
 * OpenSSL, libuv, the C library's locale and time zone, the module paths' HOME. Setting them
 * after the start would change nothing, so an early process is handed over only where they agree.
 */
const STARTUP_VARIABLE = /^(?:NODE_|LD_|OPENSSL_|SSL_|UV_|MALLOC_|GLIBC_|LC_)|^(?:TZ|LANG|LANGUAGE|HOME)$/;

let earlyStart: EarlyStart | undefined;
let firstLaunchSeen = false;

/** The CLI's process boundary offers its early start: the first sandbox launch takes the process or ends it. */
export function offerEarlyStart(offered: EarlyStart): void {
  earlyStart = offered;
  firstLaunchSeen = false;
}

function startupEnvironment(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => STARTUP_VARIABLE.test(name)));
}

function sameLaunch(remembered: RememberedLaunch, launch: ProcessLaunch): boolean {
  return JSON.stringify([remembered.file, remembered.args, sortedEntries(remembered.startupEnv)]) === JSON.stringify([launch.file, launch.args, sortedEntries(startupEnvironment(launch.env))]);
}

function sortedEntries(env: Record<string, string>): [string, string][] {
  return Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The early process for the first launch when it is the one it was started for; else it is ended (its watch reaps it). */
function takeEarlyProcess(launch: ProcessLaunch): SandboxProcess | undefined {
  if (earlyStart === undefined || firstLaunchSeen) return undefined;
  firstLaunchSeen = true;
  const offered = earlyStart;
  const remember = (): void => {
    if (launch.takesHandoff === true && launch.cgroupProcs === undefined) offered.remember({ file: launch.file, args: launch.args, startupEnv: startupEnvironment(launch.env) });
  };
  const early = offered.take();
  if (early === undefined) {
    remember();
    return undefined;
  }
  if (launch.takesHandoff === true && launch.cgroupProcs === undefined && sameLaunch(early.launch, launch)) {
    const handedOver = handOver(early, launch);
    remember(); // after the handover: the sandbox goes on while the cache is read
    if (handedOver !== undefined) return handedOver;
  } else {
    remember();
  }
  endEarlyProcess(early);
  return undefined;
}

function endEarlyProcess(early: EarlyProcess): void {
  try {
    process.kill(-early.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  for (const fd of [early.stdout, early.stderr, early.handoff]) closeSync(fd);
}

function handOver(early: EarlyProcess, launch: ProcessLaunch): SandboxProcess | undefined {
  let exited = false;
  early.onExit(() => {
    exited = true;
  });
  if (exited) return undefined; // it ended before the launch came (its Node failed, say): started the usual way
  try {
    // A few KB into an empty socket buffer: written whole, or EAGAIN and the usual start.
    const message = Buffer.from(`${JSON.stringify({ env: launch.env, cwd: launch.cwd })}\n`);
    if (writeSync(early.handoff, message) !== message.length) return undefined;
  } catch {
    return undefined;
  }
  const handedOverAt = performance.now();
  let handoff: number | undefined = early.handoff;
  let initStartedAt: number | undefined;
  const closeHandoff = (): void => {
    if (handoff !== undefined) closeSync(handoff);
    handoff = undefined;
  };
  return new VforkProcess(early, (onExit) => early.onExit((code, signalNumber) => {
    closeHandoff();
    onExit(code, signalNumber);
  }), () => {
    if (initStartedAt !== undefined || handoff === undefined) return initStartedAt;
    // The runtime wrote how long it waited before it connected, so it is here by its first /next.
    initStartedAt = early.startedAt + (readWaitedMs(handoff) ?? handedOverAt - early.startedAt);
    closeHandoff();
    return initStartedAt;
  });
}

function readWaitedMs(fd: number): number | undefined {
  const buffer = Buffer.alloc(64);
  try {
    const read = readSync(fd, buffer);
    const waited = Number(buffer.toString('latin1', 0, read).trim());
    return Number.isFinite(waited) && waited >= 0 ? waited : undefined;
  } catch {
    return undefined; // EAGAIN: nothing came (not emu's bootstrap after all)
  }
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

/** Each number's first name, as Node's ChildProcess reports it: SIGABRT, not its alias SIGIOT (SIGIO, not SIGPOLL). */
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(osConstants.signals)) if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name as NodeJS.Signals);

class VforkProcess extends EventEmitter implements SandboxProcess {
  readonly pid: number;
  readonly stdout: Socket;
  readonly stderr: Socket;

  readonly initStartedAt: (() => number | undefined) | undefined;

  constructor(
    started: { pid: number; stdout: number; stderr: number },
    watch: (onExit: (code: number | null, signalNumber: number | null) => void) => void,
    initStartedAt?: () => number | undefined,
  ) {
    super();
    this.pid = started.pid;
    this.initStartedAt = initStartedAt;
    let exited = false;
    let openStreams = 2;
    const closeWhenDone = (): void => {
      if (exited && openStreams === 0) this.emit('close');
    };
    // Watched first: whatever fails after this, the child is still reaped. If the watch itself
    // fails, the library has already ended and reaped the child; its sockets go too.
    try {
      watch((code, signalNumber) => {
        exited = true;
        this.emit('exit', code, signalNumber === null ? null : (SIGNAL_NAMES.get(signalNumber) ?? null));
        closeWhenDone();
      });
    } catch (error) {
      closeSync(started.stdout);
      closeSync(started.stderr);
      throw internalError(`could not watch the sandbox's process ${started.pid}: ${(error as Error).message}`);
    }
    this.stdout = new Socket({ fd: started.stdout, readable: true, writable: false });
    this.stderr = new Socket({ fd: started.stderr, readable: true, writable: false });
    for (const stream of [this.stdout, this.stderr]) {
      stream.once('close', () => {
        openStreams -= 1;
        closeWhenDone();
      });
    }
  }
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
