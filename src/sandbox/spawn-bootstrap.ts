/**
 * Starting a sandbox's process: what its runtime launcher says (emu's bootstrap under Node with
 * AWS's memory-derived heap flags, or a custom runtime's bootstrap), with an environment built
 * from scratch, through the process starter (its own session and process group, and the kernel's
 * parent-death signal on Linux).
 */
import { fileURLToPath } from 'node:url';
import { createPeakRssProbe, createSandboxCgroup, ProcessTreeProbe, type PeakRssProbe } from '../measure/index.js';
import { HANDOFF_FD_VARIABLE } from './early-start.js';
import { buildSandboxEnvironment, heapFlags } from './environment.js';
import type { FunctionConfig } from './function-config.js';
import { findBootstrap } from './runtime-launcher.js';
import { listDescendants, SANDBOX_MARKER_VARIABLE, sandboxMarker } from './process-tree.js';
import { startSandboxProcess, type SandboxProcess } from './process-starter.js';

const BOOTSTRAP_PATH = fileURLToPath(new URL('../../runtime-bootstrap/index.cjs', import.meta.url));
const PYTHON_BOOTSTRAP_PATH = fileURLToPath(new URL('../../runtime-bootstrap/python/bootstrap.py', import.meta.url));
const RUNTIME_DIR = fileURLToPath(new URL('../../runtime-bootstrap/', import.meta.url)).replace(/\/$/, '');

export interface SpawnedSandbox {
  child: SandboxProcess;
  /** How its peak memory is read: its own VmHWM, or for a custom runtime its whole tree's. */
  probe: PeakRssProbe;
}

export function spawnBootstrap(config: FunctionConfig, sandboxId: string, runtimeApiAddress: string, onWarning: (message: string) => void): SpawnedSandbox {
  const { env, warnings } = buildSandboxEnvironment(config, runtimeApiAddress, RUNTIME_DIR);
  for (const warning of warnings) onWarning(warning);
  env[SANDBOX_MARKER_VARIABLE] = sandboxMarker(sandboxId); // lets escaped grandchildren be found (see killMarkedProcesses)
  delete env[HANDOFF_FD_VARIABLE]; // a function's own would make the bootstrap wait on fd 3 for a launch
  const command = launchCommand(config, env);
  // A custom runtime's bootstrap may start the real program without exec: its memory is the whole tree's.
  // The process joins its memory cgroup itself, before exec, so nothing it starts is left outside.
  const cgroup = config.runtime.kind === 'custom' ? createSandboxCgroup(`sandbox-${sandboxId}`) : undefined;
  let child: SandboxProcess;
  try {
    child = startSandboxProcess({ file: command.file, args: command.args, cwd: config.codeDir, env, cgroupProcs: cgroup?.procsFile, takesHandoff: command.takesHandoff });
  } catch (error) {
    cgroup?.probe.stop();
    throw error;
  }
  const pid = child.pid as number; // a starter throws rather than return a process without one
  const probe = cgroup?.probe ?? (config.runtime.kind === 'custom' && process.platform === 'linux' ? new ProcessTreeProbe(pid, listDescendants) : createPeakRssProbe(pid));
  return { child, probe };
}

/**
 * Node: emu's bootstrap (or another runtime client) under the function's Node, with AWS's heap flags.
 * Custom: the bootstrap executable itself, checked first (an EntrypointError is AWS's Runtime.InvalidEntrypoint).
 */
function launchCommand(config: FunctionConfig, env: Record<string, string>): { file: string; args: string[]; takesHandoff?: boolean } {
  const launcher = config.runtime;
  if (launcher.kind === 'custom') return { file: findBootstrap(config.codeDir, config.layers), args: [] };
  // -u: unbuffered, so a line the function prints is in emu's log the moment it is written, as on AWS.
  if (launcher.kind === 'python') return { file: launcher.pythonExecutable, args: ['-u', PYTHON_BOOTSTRAP_PATH] };
  const args = [...heapFlags(config.memoryMb, env.NODE_OPTIONS), ...inspectFlags(config), launcher.runtimeClient ?? BOOTSTRAP_PATH];
  // Only emu's own bootstrap knows the early start's handover; a debugger must see the whole start.
  return { file: launcher.nodeExecutable, args, takesHandoff: launcher.runtimeClient === undefined && config.inspect === undefined };
}

function inspectFlags(config: FunctionConfig): string[] {
  if (config.inspect === undefined) return [];
  const flag = config.inspect.breakOnStart ? '--inspect-brk' : '--inspect';
  return [`${flag}=127.0.0.1:${config.inspect.port}`];
}
