// TypeScript handlers built with real esbuild from test/fixtures/build, run in real sandboxes; the build cache.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import * as esbuild from 'esbuild';
import { BuildError, buildFunction, resolveBuild } from '../src/build/index.js';
import { EmuError } from '../src/index.js';
import { BUILD_FIXTURES, build, copyFixture, esbuildPlan, invokeBuilt, listing, readArtifact, removeTemporaryDirs, temporaryDir } from './build-helpers.js';
import { assertNoProcessLeft, REPO_ROOT } from './helpers.js';

const TS_APP = path.join(BUILD_FIXTURES, 'ts-app');
const childScriptDirs: string[] = [];
after(() => {
  removeTemporaryDirs();
  for (const dir of childScriptDirs) rmSync(dir, { recursive: true, force: true });
  assertNoProcessLeft();
});

describe('a handler whose module exists only as TypeScript', () => {
  test('is built with its tsconfig paths and runs, nothing written into the source tree', async () => {
    const before = listing(TS_APP);
    const result = await build({ codeDir: TS_APP, handler: 'src/orders.handler' });
    assert.equal(result.handler, 'src/orders.handler', 'the handler keeps its path');
    assert.ok(existsSync(path.join(result.codeDir, 'src', 'orders.js')));
    assert.equal(result.cacheHit, false);
    const invocation = await invokeBuilt(result, { cents: 1234 });
    assert.equal(invocation.status, 'ok', JSON.stringify(invocation.error));
    assert.deepEqual(invocation.payload, { total: '$12.34' });
    assert.deepEqual(listing(TS_APP), before);
  });

  const formats = [
    { handler: 'src/esm.handler', file: 'src/esm.mjs', payload: { ready: 'after top-level await', format: 'esm' } },
    { handler: 'src/common.handler', file: 'src/common.cjs', payload: { format: 'cjs' } },
    { handler: 'src/view.handler', file: 'src/view.js', payload: { html: '<p>hello emu</p>' }, event: { name: 'emu' } },
  ];
  for (const { handler, file, payload, event } of formats) {
    test(`${handler} (${path.extname(file)} output) runs`, async () => {
      const result = await build({ codeDir: TS_APP, handler });
      assert.ok(existsSync(path.join(result.codeDir, file)), `${file} in the artifact`);
      const invocation = await invokeBuilt(result, event);
      assert.deepEqual(invocation.payload, payload, JSON.stringify(invocation.error));
    });
  }

  test('in a "type": "module" package, .ts is an ES module (top-level await works)', async () => {
    const result = await build({ codeDir: path.join(BUILD_FIXTURES, 'esm-app'), handler: 'src/app.handler' });
    assert.ok(existsSync(path.join(result.codeDir, 'src', 'app.mjs')));
    const invocation = await invokeBuilt(result);
    assert.deepEqual(invocation.payload, { started: 'awaited at load', format: 'esm' }, JSON.stringify(invocation.error));
  });

  test('a type error with valid syntax builds and runs, as with esbuild and sam build', async () => {
    const invocation = await invokeBuilt(await build({ codeDir: TS_APP, handler: 'src/type-error.handler' }));
    assert.deepEqual(invocation.payload, { count: 'not a number' });
  });

  test("a throwing handler's error payload points at the .ts file and line", async () => {
    const result = await build({ codeDir: TS_APP, handler: 'src/throws.handler' });
    assert.match(result.env.NODE_OPTIONS ?? '', /(^| )--enable-source-maps$/);
    const invocation = await invokeBuilt(result, { id: 7 });
    assert.equal(invocation.error?.errorType, 'Error');
    assert.equal(invocation.error?.errorMessage, 'order 7 is not valid');
    const trace = ((invocation.payload as { trace?: string[] }).trace ?? []).join('\n');
    assert.ok(trace.includes(`${path.join(TS_APP, 'src', 'throws.ts')}:4:`), trace);
  });

  test('the function NODE_OPTIONS is kept in front of --enable-source-maps', async () => {
    const plan = esbuildPlan({ codeDir: TS_APP, handler: 'src/throws.handler', env: { NODE_OPTIONS: '--max-http-header-size=9000' } });
    const result = await buildFunction(plan, { cacheDir: temporaryDir() });
    assert.equal(result.env.NODE_OPTIONS, '--max-http-header-size=9000 --enable-source-maps');
  });

  test('a JavaScript module beside it, or no module at all, needs no build', () => {
    assert.deepEqual(resolveBuild({ functionName: 'Fn', codeDir: TS_APP, handler: 'src/plain.handler' }), { kind: 'none' });
    assert.deepEqual(resolveBuild({ functionName: 'Fn', codeDir: TS_APP, handler: 'src/missing.handler' }), { kind: 'none' });
    assert.deepEqual(resolveBuild({ functionName: 'Fn', codeDir: TS_APP, handler: 'nodot' }), { kind: 'none' });
  });

  test("a syntax error is the user's: esbuild's file:line:col: text, one per line", async () => {
    const error = await build({ functionName: 'Orders', codeDir: TS_APP, handler: 'src/syntax-error.handler' }).catch((caught: unknown) => caught);
    assert.ok(error instanceof BuildError && error instanceof EmuError, String(error));
    assert.equal(error.kind, 'usage');
    const lines = error.message.split('\n');
    assert.equal(lines[0], 'Orders: build failed');
    assert.equal(lines[1], `${path.relative(process.cwd(), path.join(TS_APP, 'src', 'syntax-error.ts'))}:2:16: Unexpected ";"`);
  });
});

describe('the build cache', () => {
  /** A fake esbuild binary that records that it was started and fails: esbuild's API starts ESBUILD_BINARY_PATH as its service. */
  function fakeEsbuild(): { binary: string; marker: string } {
    const dir = temporaryDir();
    const binary = path.join(dir, 'esbuild');
    const marker = path.join(dir, 'started');
    writeFileSync(binary, `#!/bin/sh\necho started >> '${marker}'\nexit 1\n`);
    chmodSync(binary, 0o755);
    return { binary, marker };
  }

  /** buildFunction in a child process whose esbuild cannot run: a bundle of src/build, plain Node, no tsx (tsx itself needs esbuild). */
  async function buildInChild(codeDir: string, cacheDir: string, binary: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    // Inside the repository, so that the bundle's `import('esbuild')` resolves (ES modules ignore NODE_PATH).
    const scriptDir = mkdtempSync(path.join(REPO_ROOT, 'node_modules', '.cache', 'emu-build-test-'));
    childScriptDirs.push(scriptDir);
    const script = path.join(scriptDir, 'build-once.mjs');
    await esbuild.build({ entryPoints: [path.join(REPO_ROOT, 'src', 'build', 'index.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: path.join(path.dirname(script), 'build.mjs'), logLevel: 'silent' });
    writeFileSync(script, `import { resolveBuild, buildFunction } from './build.mjs';\nconst plan = resolveBuild({ functionName: 'Fn', codeDir: ${JSON.stringify(codeDir)}, handler: 'src/orders.handler' });\nconsole.log(JSON.stringify(await buildFunction(plan, { cacheDir: ${JSON.stringify(cacheDir)} })));\n`);
    const env = { ...process.env, ESBUILD_BINARY_PATH: binary };
    const child = spawnSync(process.execPath, [script], { env, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
    return { status: child.status, stdout: child.stdout, stderr: child.stderr };
  }

  test('an unchanged function is never rebuilt: the second build is a hit and esbuild does not start', async () => {
    const cacheDir = temporaryDir();
    const { binary, marker } = fakeEsbuild();
    const miss = await buildInChild(TS_APP, cacheDir, binary);
    assert.notEqual(miss.status, 0, 'with nothing cached, the child needs esbuild and cannot build');
    assert.ok(existsSync(marker), 'the fake esbuild was started');
    const first = await build({ codeDir: TS_APP, handler: 'src/orders.handler' }, cacheDir);
    const { marker: hitMarker, binary: hitBinary } = fakeEsbuild();
    const hit = await buildInChild(TS_APP, cacheDir, hitBinary);
    assert.equal(hit.status, 0, hit.stderr);
    const second = JSON.parse(hit.stdout) as { cacheHit: boolean; codeDir: string };
    assert.equal(second.cacheHit, true);
    assert.equal(second.codeDir, first.codeDir);
    assert.ok(!existsSync(hitMarker), 'esbuild was not started');
  });

  test('a changed source, tsconfig or BuildProperties builds again; an unchanged one is a hit', async () => {
    const codeDir = copyFixture('ts-app');
    const cacheDir = temporaryDir();
    const first = await build({ codeDir, handler: 'src/orders.handler' }, cacheDir);
    assert.equal((await build({ codeDir, handler: 'src/orders.handler' }, cacheDir)).cacheHit, true);
    writeFileSync(path.join(codeDir, 'src', 'lib', 'money.ts'), 'export const formatCents = (cents: number): string => `EUR ${cents}`;\n');
    const edited = await build({ codeDir, handler: 'src/orders.handler' }, cacheDir);
    assert.equal(edited.cacheHit, false, 'an imported module changed');
    assert.deepEqual((await invokeBuilt(edited, { cents: 5 })).payload, { total: 'EUR 5' });
    const tsconfig = path.join(codeDir, 'tsconfig.json');
    writeFileSync(tsconfig, readFileSync(tsconfig, 'utf8').replace('"strict": true', '"strict": false'));
    assert.equal((await build({ codeDir, handler: 'src/orders.handler' }, cacheDir)).cacheHit, false, 'tsconfig.json changed');
    writeFileSync(path.join(codeDir, 'src', 'tsconfig.json'), '{ "extends": "../tsconfig.json" }\n');
    assert.equal((await build({ codeDir, handler: 'src/orders.handler' }, cacheDir)).cacheHit, false, 'a tsconfig.json appeared nearer the source');
    const builds = readdirSync(path.dirname(edited.codeDir)).filter((name) => name.startsWith('b-'));
    assert.equal(builds.length, 2, `the current build and one before it are kept: ${builds.join(', ')}`);
    const metadata = { BuildMethod: 'esbuild', BuildProperties: { EntryPoints: ['src/orders.ts'], Minify: false } };
    const withProperties = await build({ codeDir, handler: 'src/orders.handler', metadata }, cacheDir);
    assert.equal(withProperties.cacheHit, false);
    assert.notEqual(path.dirname(withProperties.codeDir), path.dirname(first.codeDir), 'another folder for other BuildProperties');
  });

  test('two checkouts of the same code never share a build: each trace points at its own files', async () => {
    const cacheDir = temporaryDir();
    const [one, two] = [copyFixture('ts-app'), copyFixture('ts-app')] as [string, string];
    const builtOne = await build({ codeDir: one, handler: 'src/throws.handler' }, cacheDir);
    const builtTwo = await build({ codeDir: two, handler: 'src/throws.handler' }, cacheDir);
    assert.equal(builtTwo.cacheHit, false);
    assert.notEqual(builtOne.codeDir, builtTwo.codeDir);
    const trace = (((await invokeBuilt(builtTwo, { id: 1 })).payload as { trace?: string[] }).trace ?? []).join('\n');
    assert.ok(trace.includes(path.join(two, 'src', 'throws.ts')) && !trace.includes(one), trace);
  });

  test("builds go to node_modules/.cache/emu in the code's package root, else the OS temp folder", async () => {
    const project = copyFixture('ts-app');
    const plan = esbuildPlan({ codeDir: project, handler: 'src/orders.handler' });
    const outside = await buildFunction(plan);
    assert.ok(outside.codeDir.startsWith(path.join(os.tmpdir(), 'emu-build-cache-')), outside.codeDir);
    rmSync(path.dirname(outside.codeDir), { recursive: true, force: true });
    mkdirSync(path.join(project, 'node_modules'));
    const inside = await buildFunction(plan);
    assert.ok(inside.codeDir.startsWith(path.join(project, 'node_modules', '.cache', 'emu') + path.sep), inside.codeDir);
    assert.deepEqual((await invokeBuilt(inside, { cents: 1 })).payload, { total: '$0.01' });
    assert.match(readArtifact(inside, 'src/orders.js.map'), /orders\.ts/);
  });
});
