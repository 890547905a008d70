/**
 * Peak RSS of one sandbox process, measured from outside it. On Linux the
 * kernel keeps the true high-water mark (VmHWM), so no spike is missed, and
 * `clear_refs` resets it between warm invocations. Elsewhere, pidusage
 * sampling is the best available and is labelled as such.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * proc-vmhwm and pidusage-sampling: one process; cgroup-memory and proc-tree-vmhwm: a custom runtime's whole tree (tree-memory.ts);
 * service-report: Max Memory Used as a remote Invoke API's REPORT line gave it (--remote).
 */
export type PeakRssMethod = 'proc-vmhwm' | 'pidusage-sampling' | 'cgroup-memory' | 'proc-tree-vmhwm' | 'service-report';

export interface PeakRssProbe {
  readonly method: PeakRssMethod;
  /** Starts a new measurement window (between warm invocations). */
  reset(): void;
  /** The peak so far in this window, in bytes; undefined once the process is gone. */
  readPeakBytes(): number | undefined;
  stop(): void;
}

const SAMPLE_INTERVAL_MS = 20;

/** The kernel's own high-water mark where there is one; `method` forces one (tests use it to check the fallback). */
export function createPeakRssProbe(pid: number, method?: PeakRssMethod): PeakRssProbe {
  const chosen = method ?? (process.platform === 'linux' ? 'proc-vmhwm' : 'pidusage-sampling');
  return chosen === 'proc-vmhwm' ? new ProcStatusProbe(pid) : new SamplingProbe(pid);
}

class ProcStatusProbe implements PeakRssProbe {
  readonly method = 'proc-vmhwm' as const;
  readonly #pid: number;
  // Kept open: a warm invocation reads and resets the peak every time, and open()+close()
  // of two /proc files was a tenth of the supervisor's CPU per invocation.
  #statusFd: number | undefined;
  #clearRefsFd: number | undefined;
  readonly #buffer = Buffer.alloc(4096);

  constructor(pid: number) {
    this.#pid = pid;
  }

  reset(): void {
    try {
      this.#clearRefsFd ??= openSync(`/proc/${this.#pid}/clear_refs`, 'w');
      // "5" resets the peak RSS to the current RSS (Linux 4.0+).
      writeSync(this.#clearRefsFd, '5');
    } catch {
      // The process is gone; its next read reports undefined.
    }
  }

  readPeakBytes(): number | undefined {
    let status: string;
    try {
      this.#statusFd ??= openSync(`/proc/${this.#pid}/status`, 'r');
      const length = readSync(this.#statusFd, this.#buffer, 0, this.#buffer.length, 0);
      status = this.#buffer.toString('latin1', 0, length);
    } catch {
      return undefined; // reaped: an open /proc fd of a dead process reads ESRCH
    }
    // A zombie's status has no Vm lines: callers must read before reaping.
    const at = status.indexOf('VmHWM:');
    if (at === -1) return undefined;
    return Number.parseInt(status.slice(at + 6, status.indexOf('kB', at)), 10) * 1024;
  }

  stop(): void {
    for (const fd of [this.#statusFd, this.#clearRefsFd]) {
      if (fd !== undefined) closeSync(fd);
    }
    this.#statusFd = undefined;
    this.#clearRefsFd = undefined;
  }
}

class SamplingProbe implements PeakRssProbe {
  readonly method = 'pidusage-sampling' as const;
  readonly #pid: number;
  #peakBytes: number | undefined;
  #gone = false;
  #timer: NodeJS.Timeout;

  constructor(pid: number) {
    this.#pid = pid;
    this.#timer = setInterval(() => void this.#sample(), SAMPLE_INTERVAL_MS).unref();
  }

  async #sample(): Promise<void> {
    try {
      // require, not import(): see requireSdk in src/credentials/sdk-chain.ts.
      const pidusage = createRequire(import.meta.url)('pidusage') as typeof import('pidusage');
      const { memory } = await pidusage(this.#pid);
      this.#peakBytes = Math.max(this.#peakBytes ?? 0, memory);
    } catch {
      // Process gone between samples: readPeakBytes sees that itself.
    }
  }

  reset(): void {
    this.#peakBytes = undefined;
    void this.#sample();
  }

  readPeakBytes(): number | undefined {
    // The samples alone cannot tell: the last one may predate the exit by up to an interval.
    // Signal 0 only asks the kernel whether the pid exists (one syscall, as the /proc probe's
    // read is); nothing reaches the process, and once it is gone it is never asked again.
    if (this.#peakBytes === undefined || this.#gone) return undefined;
    this.#gone = !processExists(this.#pid);
    return this.#gone ? undefined : this.#peakBytes;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but not ours to signal
  }
}
