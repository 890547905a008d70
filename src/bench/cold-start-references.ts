/**
 * The two reference points that split a cold start into parts: a bare start of
 * the runtime's interpreter, and the Init Duration of a handler that loads
 * nothing. Measured in the same run as the benchmark, so machine noise hits
 * them alike. Which interpreter and which no-op follow the function's runtime.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { monotonicMs } from '../measure/clock.js';
import path from 'node:path';
import type { RuntimeLauncher } from '../sandbox/runtime-launcher.js';

export interface NoopFunction {
  codeDir: string;
  handler: string;
  remove(): Promise<void>;
}

export interface ColdStartReference {
  /** The bare start measured, as the report names it: "node -e 0", "python3.11 -c pass". */
  startCommand: string;
  /** Milliseconds from spawning the bare start to its exit, with an empty environment as the sandbox has. */
  measureStartMs(): Promise<number>;
  createNoopFunction(): Promise<NoopFunction>;
}

/** Undefined for a custom runtime: its bootstrap is the user's program, with no bare start to split off. */
export function coldStartReferenceFor(launcher: RuntimeLauncher): ColdStartReference | undefined {
  if (launcher.kind === 'node') {
    return reference(launcher.nodeExecutable, ['-e', '0'], 'noop.mjs', 'export const handler = async () => null;\n');
  }
  if (launcher.kind === 'python') {
    return reference(launcher.pythonExecutable, ['-c', 'pass'], 'noop.py', 'def handler(event, context):\n    return None\n');
  }
  return undefined;
}

function reference(executable: string, args: string[], noopFile: string, noopSource: string): ColdStartReference {
  return {
    startCommand: [path.basename(executable), ...args].join(' '),
    measureStartMs: () => measureStartMs(executable, args),
    createNoopFunction: () => createNoopFunction(noopFile, noopSource),
  };
}

function measureStartMs(executable: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const startedAt = monotonicMs();
    const child = spawn(executable, args, { env: {}, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(monotonicMs() - startedAt);
      else reject(new Error(`${path.basename(executable)} ${args.join(' ')} ended with ${signal ?? `exit code ${String(code)}`}`));
    });
  });
}

/** A handler that loads nothing, in a fresh temporary folder (so no package.json above it changes how it loads). */
async function createNoopFunction(file: string, source: string): Promise<NoopFunction> {
  const codeDir = await mkdtemp(path.join(tmpdir(), 'emu-bench-noop-'));
  await writeFile(path.join(codeDir, file), source);
  return { codeDir, handler: 'noop.handler', remove: () => rm(codeDir, { recursive: true, force: true }) };
}
