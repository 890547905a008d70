/**
 * The two reference points that split a cold start into parts: a bare Node
 * start, and the Init Duration of a handler that loads nothing. Measured in
 * the same run as the benchmark, so machine noise hits them alike.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Milliseconds from spawning `node -e 0` to its exit, with an empty environment as the sandbox has (no NODE_EXTRA_CA_CERTS, no NODE_OPTIONS). */
export function measureNodeStartMs(nodeExecutable: string = process.execPath): Promise<number> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(nodeExecutable, ['-e', '0'], { env: {}, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(performance.now() - startedAt);
      else reject(new Error(`node -e 0 ended with ${signal ?? `exit code ${String(code)}`}`));
    });
  });
}

export interface NoopFunction {
  codeDir: string;
  handler: string;
  remove(): Promise<void>;
}

/** A handler that loads nothing, in a fresh temporary folder (so no package.json above it changes how it loads). */
export async function createNoopFunction(): Promise<NoopFunction> {
  const codeDir = await mkdtemp(path.join(tmpdir(), 'emu-bench-noop-'));
  await writeFile(path.join(codeDir, 'noop.mjs'), 'export const handler = async () => null;\n');
  return { codeDir, handler: 'noop.handler', remove: () => rm(codeDir, { recursive: true, force: true }) };
}
