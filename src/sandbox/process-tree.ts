/**
 * Ending a sandbox for good. SIGKILL to the process group takes the bootstrap
 * and every grandchild that stayed in the group; a grandchild that moved to
 * its own group or session (setsid) escapes that, so on Linux the tree is
 * also walked through /proc while it is still attached to the sandbox.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Every live descendant of pid (Linux); empty elsewhere or once pid is gone. */
export function listDescendants(pid: number): number[] {
  if (process.platform !== 'linux') return [];
  const found: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const parent = stack.pop() as number;
    for (const child of childrenOf(parent)) {
      if (!found.includes(child)) {
        found.push(child);
        stack.push(child);
      }
    }
  }
  return found;
}

function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const task of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'latin1').split(' ')) {
        if (child !== '') children.push(Number(child));
      }
    } catch {
      // The task ended while we looked.
    }
  }
  return children;
}

/** The environment variable that marks every process a sandbox starts, however far it wanders. */
export const SANDBOX_MARKER_VARIABLE = '_EMU_SANDBOX_ID';

/**
 * The marker's value: the supervisor's pid, then the sandbox's id. The pid lets a test (or a
 * later emu) find what one supervisor left behind among other supervisors' live sandboxes.
 */
export function sandboxMarker(sandboxId: string, supervisorPid = process.pid): string {
  return `${supervisorPid}/${sandboxId}`;
}

/** SIGKILLs the group led by pid and every descendant found, at once. */
export function killSandboxTree(pid: number): void {
  const descendants = listDescendants(pid);
  signal(-pid);
  for (const descendant of descendants) signal(descendant);
}

/**
 * SIGKILLs every process still carrying this sandbox's marker. After the sandbox
 * itself has died, a grandchild that called setsid has a new session, a new group
 * and init as its parent: only the environment it inherited still says where it
 * came from (a cgroup would be the stronger tool, where one is available).
 */
export function killMarkedProcesses(sandboxId: string, sandboxPid?: number): number[] {
  const candidates = sandboxPid === undefined ? null : pidsHandedOutSince(sandboxPid);
  const killed = findMarked(`${SANDBOX_MARKER_VARIABLE}=${sandboxMarker(sandboxId)}\0`, candidates ?? undefined);
  for (const pid of killed) signal(pid);
  return killed;
}

/** Every live process carrying the marker of a sandbox that the supervisor `supervisorPid` started (Linux; else empty). */
export function listMarkedProcesses(supervisorPid: number): number[] {
  return findMarked(`${SANDBOX_MARKER_VARIABLE}=${supervisorPid}/`);
}

function findMarked(marker: string, candidates: number[] = readdirSync('/proc').map(Number)): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`\0${marker}`);
  const found: number[] = [];
  for (const pid of candidates) {
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      // A leading NUL makes the first variable match like the others; a zombie's environ reads empty.
      const environ = Buffer.concat([NUL, readFileSync(`/proc/${pid}/environ`)]);
      if (environ.includes(needle)) found.push(pid);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

const NUL = Buffer.from('\0');

const PID_RANGE_LIMIT = 2048;
let pidMax: number | undefined;

/**
 * Every pid the kernel has handed out after `first` (processes and threads), or null
 * when that range is larger than a scan of /proc is worth. A process the sandbox started
 * was created after the sandbox, so on a cold sandbox's short life this is a few dozen
 * ids instead of every process on the machine. /proc/loadavg's last field is the pid
 * last handed out in our pid namespace; pids wrap at pid_max.
 */
function pidsHandedOutSince(first: number): number[] | null {
  try {
    const last = Number(readFileSync('/proc/loadavg', 'latin1').trim().split(' ')[4]);
    const max = (pidMax ??= Number(readFileSync('/proc/sys/kernel/pid_max', 'latin1')));
    if (!Number.isInteger(last) || !Number.isInteger(max)) return null;
    const count = last >= first ? last - first : max - first + last;
    if (count > PID_RANGE_LIMIT) return null;
    return Array.from({ length: count }, (_, i) => ((first + i) % max) + 1);
  } catch {
    return null;
  }
}

function signal(target: number): void {
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // ESRCH: already gone.
  }
}
