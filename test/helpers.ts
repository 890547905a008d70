/** Shared test helpers: real emulators over the fixtures, and the no-process-left check every test ends with. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmulator, type Emulator, type EmulatorOptions } from '../src/index.js';
import { listDescendants, listMarkedProcesses } from '../src/sandbox/index.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const MODES = ['cold', 'warm'] as const;

export interface TestEmulator {
  emulator: Emulator;
  /** Everything the function wrote, and the warnings emu gave. */
  output(): string;
  warnings: string[];
}

/** Runs fn with a real emulator over test/fixtures, then closes it and checks that no process was left. */
export async function withEmulator(options: Partial<EmulatorOptions> & { handler: string }, fn: (t: TestEmulator) => Promise<void>): Promise<void> {
  const chunks: Buffer[] = [];
  const warnings: string[] = [];
  const emulator = createEmulator({
    codeDir: FIXTURES,
    onLog: (chunk) => void chunks.push(chunk),
    onWarning: (message) => warnings.push(message),
    ...options,
  });
  try {
    await fn({ emulator, output: () => Buffer.concat(chunks).toString('utf8'), warnings });
  } finally {
    await emulator.close();
  }
  assertNoProcessLeft();
}

/** emu CLI processes this test process ran that have exited: none of their sandboxes' processes may remain. */
const exitedSupervisors = new Set<number>();

/**
 * No child, grandchild or zombie of this test process remains (but tsx's own esbuild service),
 * and no process anywhere carries the sandbox marker of this process or of an emu CLI it ran:
 * a leaked process is reparented to init, out of reach of a walk down from this one.
 */
export function assertNoProcessLeft(): void {
  const left = listDescendants(process.pid).filter((pid) => !commandLine(pid).includes('esbuild'));
  assert.deepEqual(left.map((pid) => `${pid} ${commandLine(pid)}`), [], 'processes left behind by emu');
  for (const supervisor of [process.pid, ...exitedSupervisors]) assertNoSandboxOf(supervisor);
}

/** No live process carries the sandbox marker of the emu supervisor `supervisorPid` (call it once that supervisor has closed or exited). */
export function assertNoSandboxOf(supervisorPid: number): void {
  // A process SIGKILLed a moment ago may still be on its way out: allow it a little time.
  const until = Date.now() + 1000;
  let marked = listMarkedProcesses(supervisorPid).filter(isAlive);
  while (marked.length > 0 && Date.now() < until) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    marked = marked.filter(isAlive);
  }
  assert.deepEqual(marked.map((pid) => `${pid} ${commandLine(pid)}`), [], `processes of emu supervisor ${supervisorPid}'s sandboxes left running`);
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** The pid no longer exists (not even as a zombie). */
export function assertGone(pid: number): void {
  assert.ok(!isAlive(pid), `process ${pid} is still alive`);
}

/**
 * The process exists and has not exited. A zombie whose parent is this test process
 * still shows in assertNoProcessLeft; one reparented to init after emu died is
 * init's to reap (some container inits reap slowly), so it counts as gone here.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits up to timeoutMs for a condition (process exits are asynchronous). */
export async function eventually(condition: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `emu` CLI (bin/emu.js, the built bundle) as a user would; resolves when it has exited.
 * A CLI still running after timeoutMs (120 s by default) is SIGKILLed by its pid and the run rejects: a hang fails, never stalls the suite.
 */
/** The emu command as npm installs it (bin/emu: the launcher where native/build has one), or the CLI run by Node directly. */
export const EMU_COMMAND = path.join(REPO_ROOT, 'bin', 'emu');

export function runEmu(
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void; timeoutMs?: number; cwd?: string; command?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const [file, prefix] = options.command === undefined ? [process.execPath, [path.join(REPO_ROOT, 'bin', 'emu.js')]] : [options.command, []];
    const child = spawn(file, [...prefix, ...args], { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.on('error', () => {}); // a CLI that exits before reading its stdin
    child.stdin.end(options.stdin ?? '');
    options.onSpawn?.(child.pid as number);
    const timeoutMs = options.timeoutMs ?? 120_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      exitedSupervisors.add(child.pid as number);
      if (timedOut) reject(new Error(`emu ${args.join(' ')} was still running after ${timeoutMs} ms (SIGKILLed); stderr: ${stderr.slice(-2000)}`));
      else resolve({ code, stdout, stderr });
    });
  });
}
