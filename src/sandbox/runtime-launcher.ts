/**
 * What a sandbox's process is, by the function's runtime: a Node.js runtime (emu's bootstrap,
 * or another runtime client, under a Node of the declared major with AWS's heap flags), a
 * Python runtime (emu's Python bootstrap under an interpreter of the declared version), or an
 * OS-only runtime (provided.al2023, provided.al2), whose `bootstrap` executable is the runtime.
 * The sandbox only asks its launcher for a command; everything else (Runtime API, timeouts,
 * memory, kills) is the same for every runtime.
 */
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { isExecutableFile } from './local-files.js';

export interface NodeLauncher {
  kind: 'node';
  /** AWS's identifier, e.g. nodejs20.x. */
  runtime: string;
  nodeExecutable: string;
  /** The major version of nodeExecutable, e.g. "20": AWS_EXECUTION_ENV and the layers' nodeNN folders. */
  nodeMajor: string;
  /** Another runtime client (a .js/.mjs file run with that Node) instead of emu's bootstrap. */
  runtimeClient?: string;
}

export interface CustomLauncher {
  kind: 'custom';
  /** provided.al2023, provided.al2 or provided. */
  runtime: string;
}

export interface PythonLauncher {
  kind: 'python';
  /** AWS's identifier, e.g. python3.12. */
  runtime: string;
  pythonExecutable: string;
  /** The interpreter's own version, "3.12": AWS_EXECUTION_ENV and the layers' site-packages folder. */
  pythonVersion: string;
}

export type RuntimeLauncher = NodeLauncher | PythonLauncher | CustomLauncher;

export const CUSTOM_RUNTIMES: readonly string[] = ['provided.al2023', 'provided.al2', 'provided'];

export interface LaunchCommand {
  file: string;
  args: string[];
}

/** Why AWS would not start the runtime: Runtime.InvalidEntrypoint, with this message. */
export class EntrypointError extends Error {
  override name = 'EntrypointError';
}

/**
 * Where AWS looks for a custom runtime's bootstrap: the function's code (/var/task/bootstrap),
 * then its layers as extracted into /opt, a later layer's file over an earlier one's
 * (aws-lambda-runtime-interface-emulator internal/lambda/rie/run.go:112-131).
 */
export function bootstrapCandidates(codeDir: string, layers: readonly string[] = []): string[] {
  return [path.join(codeDir, 'bootstrap'), ...[...layers].reverse().map((layer) => path.join(layer, 'bootstrap'))];
}

/**
 * The custom runtime's bootstrap, checked as execve would check it, so that each failure is the
 * error AWS gives (Go's exec messages) rather than whatever a shell or setpriv would make of it.
 */
export function findBootstrap(codeDir: string, layers: readonly string[] = []): string {
  const candidates = bootstrapCandidates(codeDir, layers);
  const found = candidates.find((file) => statSync(file, { throwIfNoEntry: false })?.isFile() === true);
  if (found === undefined) throw new EntrypointError(`Couldn't find valid bootstrap(s): [${candidates.join(' ')}]`);
  try {
    accessSync(found, constants.X_OK);
  } catch {
    throw new EntrypointError(`fork/exec ${found}: permission denied`);
  }
  const head = firstBytes(found, 256);
  if (head.startsWith('#!')) {
    const interpreter = head.slice(2).split('\n')[0]?.trim().split(/\s+/)[0] ?? '';
    if (interpreter === '' || !isExecutableFile(interpreter)) throw new EntrypointError(`fork/exec ${found}: no such file or directory`);
  } else if (!head.startsWith('\x7fELF')) {
    // execve refuses a file with neither; a shell (or glibc's execvp, under setpriv) would run it with /bin/sh instead.
    throw new EntrypointError(`fork/exec ${found}: exec format error`);
  }
  return found;
}

function firstBytes(file: string, count: number): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(count);
    const read = readSync(fd, buffer, 0, count, 0);
    return buffer.subarray(0, read).toString('latin1');
  } finally {
    closeSync(fd);
  }
}
