/**
 * Peak RSS of one sandbox process, measured from outside it. On Linux the
 * kernel keeps the true high-water mark (VmHWM), so no spike is missed, and
 * `clear_refs` resets it between warm invocations. Elsewhere, pidusage
 * sampling is the best available and is labelled as such.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export type PeakRssMethod = 'proc-vmhwm' | 'pidusage-sampling';

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
  readonly #statusPath: string;
  readonly #clearRefsPath: string;

  constructor(pid: number) {
    this.#statusPath = `/proc/${pid}/status`;
    this.#clearRefsPath = `/proc/${pid}/clear_refs`;
  }

  reset(): void {
    try {
      // "5" resets the peak RSS to the current RSS (Linux 4.0+).
      writeFileSync(this.#clearRefsPath, '5');
    } catch {
      // The process is gone; its next read reports undefined.
    }
  }

  readPeakBytes(): number | undefined {
    let status: string;
    try {
      status = readFileSync(this.#statusPath, 'latin1');
    } catch {
      return undefined;
    }
    // A zombie's status has no Vm lines: callers must read before reaping.
    const at = status.indexOf('VmHWM:');
    if (at === -1) return undefined;
    return Number.parseInt(status.slice(at + 6, status.indexOf('kB', at)), 10) * 1024;
  }

  stop(): void {}
}

class SamplingProbe implements PeakRssProbe {
  readonly method = 'pidusage-sampling' as const;
  readonly #pid: number;
  #peakBytes: number | undefined;
  #timer: NodeJS.Timeout;

  constructor(pid: number) {
    this.#pid = pid;
    this.#timer = setInterval(() => void this.#sample(), SAMPLE_INTERVAL_MS).unref();
  }

  async #sample(): Promise<void> {
    try {
      const { default: pidusage } = await import('pidusage');
      const { memory } = await pidusage(this.#pid);
      this.#peakBytes = Math.max(this.#peakBytes ?? 0, memory);
    } catch {
      // Process gone between samples.
    }
  }

  reset(): void {
    this.#peakBytes = undefined;
    void this.#sample();
  }

  readPeakBytes(): number | undefined {
    return this.#peakBytes;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
