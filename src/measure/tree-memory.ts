/**
 * Peak memory of a whole process tree, for a custom runtime whose bootstrap may start the real
 * program without exec (a shell script): the memory cgroup's own high-water mark where emu may
 * create a group (Linux cgroup v1, as root here: every process of the sandbox, children that
 * came and went included, no spike missed), else the sum of each live process's VmHWM.
 */
import { closeSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmdirSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { PeakRssProbe } from './peak-rss.js';

const CGROUP_V1_MEMORY = '/sys/fs/cgroup/memory';
const RMDIR_RETRY_MS = 100;
const RMDIR_ATTEMPTS = 50;

export interface SandboxCgroup {
  /** Write a pid here to put that process (and what it starts afterwards) in the group. */
  procsFile: string;
  probe: PeakRssProbe;
}

let parentDir: string | null | undefined;

/** A folder of emu's under this process's own memory cgroup, once; null where groups cannot be made. */
function cgroupParent(): string | null {
  if (parentDir !== undefined) return parentDir;
  parentDir = null;
  if (process.platform !== 'linux') return parentDir;
  try {
    const own = /^\d+:memory:(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    if (own === undefined) return parentDir;
    const dir = path.join(CGROUP_V1_MEMORY, own, 'emu');
    mkdirSync(dir, { recursive: true });
    removeEmptyGroups(dir); // left by supervisors that exited while their sandboxes were still dying
    parentDir = dir;
    process.once('exit', () => removeEmptyGroups(dir, `${process.pid}-`));
  } catch {
    // Not root, cgroup v2 only, or a read-only mount: the process-tree probe instead.
  }
  return parentDir;
}

/** A memory cgroup for one sandbox process, or undefined where none can be made. */
export function createSandboxCgroup(name: string): SandboxCgroup | undefined {
  const parent = cgroupParent();
  if (parent === null) return undefined;
  const dir = path.join(parent, `${process.pid}-${name.replace(/[^\w-]/g, '_')}`);
  try {
    mkdirSync(dir);
  } catch {
    return undefined;
  }
  return { procsFile: path.join(dir, 'cgroup.procs'), probe: new CgroupProbe(dir) };
}

class CgroupProbe implements PeakRssProbe {
  readonly method = 'cgroup-memory' as const;
  readonly #dir: string;
  #peakFd: number | undefined;
  readonly #buffer = Buffer.alloc(64);

  constructor(dir: string) {
    this.#dir = dir;
  }

  reset(): void {
    try {
      this.#peakFd ??= openSync(path.join(this.#dir, 'memory.max_usage_in_bytes'), 'r+');
      writeSync(this.#peakFd, '0'); // v1: resets the high-water mark to the current usage
    } catch {
      // The group is gone.
    }
  }

  readPeakBytes(): number | undefined {
    try {
      this.#peakFd ??= openSync(path.join(this.#dir, 'memory.max_usage_in_bytes'), 'r+');
      const length = readSync(this.#peakFd, this.#buffer, 0, this.#buffer.length, 0);
      const bytes = Number.parseInt(this.#buffer.toString('latin1', 0, length), 10);
      return Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
    } catch {
      return undefined;
    }
  }

  /** The group goes once its processes have: they are being killed, so it is retried for a while. */
  stop(): void {
    if (this.#peakFd !== undefined) closeSync(this.#peakFd);
    this.#peakFd = undefined;
    let attempts = 0;
    const attempt = (): void => {
      try {
        rmdirSync(this.#dir);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EBUSY' && ++attempts < RMDIR_ATTEMPTS) setTimeout(attempt, RMDIR_RETRY_MS).unref();
      }
    };
    attempt();
  }
}

/**
 * Without a cgroup: the sum of the VmHWM of the process and its live descendants, the largest sum seen.
 * The tree is listed by the caller (the sandbox layer's process walk), so /proc is walked in one place.
 */
export class ProcessTreeProbe implements PeakRssProbe {
  readonly method = 'proc-tree-vmhwm' as const;
  readonly #pid: number;
  readonly #descendants: (pid: number) => number[];
  #peakBytes: number | undefined;

  constructor(pid: number, descendants: (pid: number) => number[]) {
    this.#pid = pid;
    this.#descendants = descendants;
  }

  reset(): void {
    for (const pid of this.#tree()) {
      try {
        const fd = openSync(`/proc/${pid}/clear_refs`, 'w');
        writeSync(fd, '5');
        closeSync(fd);
      } catch {
        // Gone.
      }
    }
    this.#peakBytes = undefined;
  }

  readPeakBytes(): number | undefined {
    const own = vmHwmBytes(this.#pid);
    if (own === undefined) return undefined; // the sandbox's process is gone
    const sum = this.#descendants(this.#pid).reduce((total, pid) => total + (vmHwmBytes(pid) ?? 0), own);
    this.#peakBytes = Math.max(this.#peakBytes ?? 0, sum);
    return this.#peakBytes;
  }

  stop(): void {}

  #tree(): number[] {
    return [this.#pid, ...this.#descendants(this.#pid)];
  }
}

function vmHwmBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = /VmHWM:\s+(\d+)/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** rmdir of a cgroup succeeds only once it has no process left: the busy ones stay. */
function removeEmptyGroups(dir: string, prefix = ''): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => !name.includes('.') && name.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    try {
      rmdirSync(path.join(dir, name));
    } catch {
      // Still has processes.
    }
  }
}
