/**
 * emu run's early start, the supervisor's side (bin/early-start.cjs is the other): the CLI's
 * process boundary started the runtime a remembered launch names before the CLI loaded, and the
 * first sandbox launch takes it, only when it is that launch. It is handed the whole environment
 * and working directory on its fd 3 and writes back how long it waited (runtime-bootstrap/index.cjs,
 * "Early start"). Any other launch ends it, and the sandbox starts the usual way.
 */
import { closeSync, readSync, writeSync } from 'node:fs';
import type { ProcessLaunch, SandboxProcess } from './process-starter.js';
import { VforkProcess, type ExitWatch } from './vfork-process.js';
import { monotonicMs } from '../measure/clock.js';

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
  /** monotonicMs() when it was started. */
  readonly startedAt: number;
  /** listener(code, signalNumber) once it has exited and been reaped; at once if it already has. */
  onExit: ExitWatch;
  /** Ends it unused: SIGKILL to its process group, this end of its sockets closed (its watch reaps it). */
  end(): void;
}

/**
 * What a process reads from its environment while it starts, before a line of JavaScript runs:
 * Node (NODE_OPTIONS, NODE_PATH, NODE_EXTRA_CA_CERTS, ...), the dynamic linker (LD_LIBRARY_PATH),
 * OpenSSL, libuv, the C library's locale and time zone, the module paths' HOME. Setting them
 * after the start would change nothing, so an early process is handed over only where they agree.
 */
const STARTUP_VARIABLE = /^(?:NODE_|LD_|OPENSSL_|SSL_|UV_|MALLOC_|GLIBC_|LC_)|^(?:TZ|LANG|LANGUAGE|HOME)$/;

/** Set only in an early process's start environment (bin/early-start.cjs): the bootstrap then waits for its launch on fd 3. */
export const HANDOFF_FD_VARIABLE = '_EMU_HANDOFF_FD';

let offered: EarlyStart | undefined;
let firstLaunchSeen = false;

/** The CLI's process boundary offers its early start: the first sandbox launch takes the process or ends it. */
export function offerEarlyStart(earlyStart: EarlyStart): void {
  offered = earlyStart;
  firstLaunchSeen = false;
}

/**
 * For the first launch after an offer: the early process when it was started for this launch,
 * else undefined (the process, if any, ended; its watch reaps it). Either way this launch is
 * remembered for the command's next run, if an early start could take it.
 */
export function takeEarlyProcess(launch: ProcessLaunch): SandboxProcess | undefined {
  if (offered === undefined || firstLaunchSeen) return undefined;
  firstLaunchSeen = true;
  const earlyStart = offered;
  // Only emu's own Node bootstrap knows the handover; a process that must join a cgroup before exec cannot be one started earlier.
  const canTake = launch.takesHandoff === true && launch.cgroupProcs === undefined;
  const early = earlyStart.take();
  const handedOver = early !== undefined && canTake && sameLaunch(early.launch, launch) ? handOver(early, launch) : undefined;
  if (early !== undefined && handedOver === undefined) early.end();
  // After the handover: the sandbox goes on while the cache is read and written.
  if (canTake) earlyStart.remember({ file: launch.file, args: launch.args, startupEnv: startupEnvironment(launch.env) });
  return handedOver;
}

function startupEnvironment(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => STARTUP_VARIABLE.test(name)));
}

function sameLaunch(remembered: RememberedLaunch, launch: ProcessLaunch): boolean {
  const key = (file: string, args: string[], startupEnv: Record<string, string>): string => JSON.stringify([file, args, sortedEntries(startupEnv)]);
  return key(remembered.file, remembered.args, remembered.startupEnv) === key(launch.file, launch.args, startupEnvironment(launch.env));
}

function sortedEntries(env: Record<string, string>): [string, string][] {
  return Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Writes the launch to the waiting process; undefined when it has already ended or the write fails. */
function handOver(early: EarlyProcess, launch: ProcessLaunch): SandboxProcess | undefined {
  let exited = false;
  early.onExit(() => {
    exited = true;
  });
  if (exited) return undefined; // it ended before the launch came (its Node failed, say)
  try {
    // A few KB into an empty socket buffer: written whole, or EAGAIN and the usual start.
    const message = Buffer.from(`${JSON.stringify({ env: launch.env, cwd: launch.cwd })}\n`);
    if (writeSync(early.handoff, message) !== message.length) return undefined;
  } catch {
    return undefined;
  }
  const handoff = new HandoffSocket(early.handoff, early.startedAt, monotonicMs());
  const watch: ExitWatch = (onExit) =>
    early.onExit((code, signalNumber) => {
      handoff.close();
      onExit(code, signalNumber);
    });
  return new VforkProcess(early, watch, () => handoff.initStartedAt());
}

/** The supervisor's end of fd 3 after the handover: the one number that comes back on it. */
class HandoffSocket {
  #fd: number | undefined;
  readonly #startedAt: number;
  readonly #handedOverAt: number;
  #initStartedAt: number | undefined;

  constructor(fd: number, startedAt: number, handedOverAt: number) {
    this.#fd = fd;
    this.#startedAt = startedAt;
    this.#handedOverAt = handedOverAt;
  }

  /** The process's start plus the time it waited for its launch: asked for at its first /next, by when the runtime has written it. */
  initStartedAt(): number | undefined {
    if (this.#initStartedAt !== undefined || this.#fd === undefined) return this.#initStartedAt;
    this.#initStartedAt = this.#startedAt + (this.#readWaitedMs(this.#fd) ?? this.#handedOverAt - this.#startedAt);
    this.close();
    return this.#initStartedAt;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #readWaitedMs(fd: number): number | undefined {
    const buffer = Buffer.alloc(64);
    try {
      const read = readSync(fd, buffer);
      const waited = Number(buffer.toString('latin1', 0, read).trim());
      return Number.isFinite(waited) && waited >= 0 ? waited : undefined;
    } catch {
      return undefined; // EAGAIN: nothing came back; init is counted from the handover
    }
  }
}
