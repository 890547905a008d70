/** CPU time of processes as the benchmarks count it, in ms: /proc's utime and stime are in clock ticks of 10 ms (USER_HZ 100). */
import { readFileSync } from 'node:fs';
import { childPids } from './process-probe.js';

const TICK_MS = 10;

/** The fields of /proc/<pid>/stat after the command name (index 11 = utime, 12 = stime, 13 = cutime, 14 = cstime). */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function ticks(fields: string[] | undefined, indexes: number[]): number {
  return fields === undefined ? 0 : indexes.reduce((sum, index) => sum + Number(fields[index]), 0) * TICK_MS;
}

/** This process's own user + system CPU. */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** The CPU of this process's children it has reaped so far. */
export function reapedChildrenCpuMs(): number {
  return ticks(statFields('self'), [13, 14]);
}

/** A live process's own CPU (0 once it is gone). */
export function processCpuMs(pid: number): number {
  return ticks(statFields(pid), [11, 12]);
}

/** A process's CPU with its reaped children's and its live descendants' (0 once it is gone). */
export function treeCpuMs(pid: number): number {
  const fields = statFields(pid);
  if (fields === undefined) return 0;
  return ticks(fields, [11, 12, 13, 14]) + childPids(pid).reduce((sum, child) => sum + treeCpuMs(child), 0);
}
