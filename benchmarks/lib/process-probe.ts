/** What the soak reads of a process from outside, on Linux: its RSS, its open files, and what it left behind. */
import { readFileSync, readdirSync } from 'node:fs';

/** VmRSS (or another Vm line) in kB; undefined once the process is gone or a zombie. */
export function vmKb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | undefined {
  try {
    const kb = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb);
  } catch {
    return undefined;
  }
}

export function openFds(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** Direct children of pid (every thread's), e.g. a supervisor's live sandboxes. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'latin1').split(' ')) {
        if (child !== '') children.push(Number(child));
      }
    }
  } catch {
    // Gone while we looked.
  }
  return children;
}

export interface MarkedProcess {
  pid: number;
  command: string;
}

/**
 * Every live process whose environment holds `name=value`. The soak gives its sandboxes a variable
 * of its own (--env), which every grandchild inherits however far it wanders (setsid included), so
 * this finds what this run started and nothing of other emu runs on the machine.
 */
export function markedProcesses(name: string, value: string): MarkedProcess[] {
  const needle = Buffer.from(`\0${name}=${value}\0`);
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = Buffer.concat([Buffer.from('\0'), readFileSync(`/proc/${pid}/environ`), Buffer.from('\0')]);
      if (!environ.includes(needle)) continue;
      const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
      found.push({ pid, command });
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

export function kill(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}
