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
  if (process.platform !== 'linux') return [];
  const candidates = sandboxPid === undefined ? listProcesses() : processesStartedAfter(sandboxPid);
  const killed = findMarked(`${SANDBOX_MARKER_VARIABLE}=${sandboxMarker(sandboxId)}\0`, candidates);
  for (const pid of killed) signal(pid);
  return killed;
}

/** Every live process carrying the marker of a sandbox that the supervisor `supervisorPid` started (Linux; else empty). */
export function listMarkedProcesses(supervisorPid: number): number[] {
  if (process.platform !== 'linux') return [];
  return findMarked(`${SANDBOX_MARKER_VARIABLE}=${supervisorPid}/`, listProcesses());
}

/** /proc lists processes, not their threads (a thread shares its process's environment). */
function listProcesses(): number[] {
  return readdirSync('/proc').map(Number);
}

function findMarked(marker: string, candidates: number[]): number[] {
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

/**
 * The live processes whose pid the kernel handed out after `first` (all of them when that
 * cannot be told): a process the sandbox started was created after the sandbox, so on a cold
 * sandbox's short life this is the odd process, not every one on the machine. Filtering the
 * /proc listing, not trying each pid in the range, skips the ids that went to threads (a Node
 * process takes about ten) and to processes already gone: each would cost a failed or useless
 * read of its environ, on every retirement. /proc/loadavg's last field is the pid last handed
 * out in our pid namespace; pids wrap at pid_max.
 */
function processesStartedAfter(first: number): number[] {
  const processes = listProcesses();
  let last: number;
  try {
    last = Number(readFileSync('/proc/loadavg', 'latin1').trim().split(' ')[4]);
  } catch {
    return processes;
  }
  if (!Number.isInteger(last)) return processes;
  const wrapped = last < first;
  return processes.filter((pid) => (wrapped ? pid > first || pid <= last : pid > first && pid <= last));
}

function signal(target: number): void {
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // ESRCH: already gone.
  }
}
