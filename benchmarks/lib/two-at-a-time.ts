/** Cold starts two at a time, as `-c 2` runs them: their rate, and the CPU each costs. */
import { reapedChildrenCpuMs } from './process-cpu.js';

export interface ParallelFigures {
  perSecond: number;
  /** CPU per invocation or process: the sandboxes' (reaped children) and this process's own. */
  childCpuMs: number;
  ownCpuMs: number;
}

/** `count` runs of `run`, at most 2 at a time, with their rate and CPU. */
export async function twoAtATime(count: number, run: () => Promise<unknown>): Promise<ParallelFigures> {
  const cpuBefore = process.cpuUsage();
  const childrenBefore = reapedChildrenCpuMs();
  const started = performance.now();
  let left = count;
  const lane = async (): Promise<void> => {
    while (left-- > 0) await run();
  };
  await Promise.all([lane(), lane()]);
  const perSecond = count / ((performance.now() - started) / 1000);
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond, childCpuMs: (reapedChildrenCpuMs() - childrenBefore) / count, ownCpuMs: (cpu.user + cpu.system) / 1000 / count };
}
