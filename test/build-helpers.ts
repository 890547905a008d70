/** Helpers for the build tests: real esbuild builds of test/fixtures/build, run through a real emulator. */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildFunction, resolveBuild, type BuildRequest, type BuildResult, type EsbuildPlan } from '../src/build/index.js';
import type { InvocationResult } from '../src/index.js';
import { FIXTURES, withEmulator } from './helpers.js';

export const BUILD_FIXTURES = path.join(FIXTURES, 'build');

const temporaryDirs: string[] = [];

/** A fresh folder, removed by removeTemporaryDirs. */
export function temporaryDir(prefix = 'emu-build-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

export function removeTemporaryDirs(): void {
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A copy of a fixture project, to edit or to have twice. */
export function copyFixture(name: string): string {
  const dir = path.join(temporaryDir(), name);
  cpSync(path.join(BUILD_FIXTURES, name), dir, { recursive: true });
  return dir;
}

export function esbuildPlan(request: Partial<BuildRequest> & { handler: string; codeDir: string }): EsbuildPlan {
  const plan = resolveBuild({ functionName: 'Fn', ...request });
  assert.equal(plan.kind, 'esbuild', `${request.handler} needs a build`);
  return plan as EsbuildPlan;
}

export async function build(request: Partial<BuildRequest> & { handler: string; codeDir: string }, cacheDir?: string): Promise<BuildResult> {
  return buildFunction(esbuildPlan(request), { cacheDir: cacheDir ?? temporaryDir() });
}

/** One invocation of the built artifact in a real sandbox, with the environment the build asks for. */
export async function invokeBuilt(result: BuildResult, event: unknown = {}): Promise<InvocationResult> {
  let invocation: InvocationResult | undefined;
  await withEmulator({ handler: result.handler, codeDir: result.codeDir, env: result.env }, async ({ emulator }) => {
    invocation = await emulator.invoke(event);
  });
  assert.ok(invocation);
  return invocation;
}

/** Every file of a folder, relative to it, with its size: to see that a build wrote nothing there. */
export function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => `${name} ${statSync(path.join(dir, name)).isFile() ? statSync(path.join(dir, name)).size : 'dir'}`)
    .sort();
}

export function readArtifact(result: BuildResult, file: string): string {
  return readFileSync(path.join(result.codeDir, file), 'utf8');
}

/** The files of a build's artifact, as sam build would lay them out: the link to the project's packages aside (see linkPackages). */
export function artifactFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name !== 'node_modules');
}
