// watchBuild: an esbuild context per function, rebuilt on demand, the last good build kept; real esbuild, real sandboxes.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { BuildError, buildFunction, watchBuild, type BuildResult } from '../src/build/index.js';
import { copyFixture, esbuildPlan, invokeBuilt, removeTemporaryDirs, temporaryDir } from './build-helpers.js';
import { assertNoProcessLeft } from './helpers.js';

after(() => {
  removeTemporaryDirs();
  assertNoProcessLeft();
});

function setMoney(codeDir: string, body: string): void {
  writeFileSync(path.join(codeDir, 'src', 'lib', 'money.ts'), `export const formatCents = (cents: number): string => ${body};\n`);
}

test('a rebuild after an edit gives a new artifact and calls onRebuilt; a request during it waits for it', async () => {
  const codeDir = copyFixture('ts-app');
  const cacheDir = temporaryDir();
  const rebuilt: BuildResult[] = [];
  const watcher = await watchBuild(esbuildPlan({ codeDir, handler: 'src/orders.handler' }), { cacheDir, onRebuilt: (result) => rebuilt.push(result) });
  try {
    const first = await watcher.latest();
    assert.ok(existsSync(path.join(first.codeDir, 'src', 'orders.js')) && existsSync(path.join(first.codeDir, 'src', 'orders.js.map')), 'laid out as buildFunction lays it out');
    assert.deepEqual((await invokeBuilt(first, { cents: 250 })).payload, { total: '$2.50' });
    assert.ok(watcher.inputs().includes(path.join(codeDir, 'src', 'lib', 'money.ts')), 'the imported module is an input');
    assert.equal(rebuilt.length, 0, 'the first build is no rebuild');

    assert.equal((await watcher.rebuild()).codeDir, first.codeDir, 'nothing changed: the same artifact');
    assert.equal(rebuilt.length, 0);

    setMoney(codeDir, '`${cents} cents`');
    void watcher.rebuild();
    const second = await watcher.latest();
    assert.notEqual(second.codeDir, first.codeDir);
    assert.deepEqual(rebuilt.map((result) => result.codeDir), [second.codeDir]);
    assert.deepEqual((await invokeBuilt(second, { cents: 3 })).payload, { total: '3 cents' });

    const [a, b] = await Promise.all([watcher.rebuild(), watcher.rebuild()]);
    assert.equal(a.codeDir, second.codeDir);
    assert.equal(b.codeDir, second.codeDir);

    const cached = await buildFunction(esbuildPlan({ codeDir, handler: 'src/orders.handler' }), { cacheDir });
    assert.equal(cached.cacheHit, true, 'a watch build is in the cache for a later run');
    assert.equal(cached.codeDir, second.codeDir);
  } finally {
    await watcher.close();
  }
});

test('a build error keeps the last good build; fixing it builds again', async () => {
  const codeDir = copyFixture('ts-app');
  const rebuilt: string[] = [];
  const watcher = await watchBuild(esbuildPlan({ functionName: 'Orders', codeDir, handler: 'src/orders.handler' }), { cacheDir: temporaryDir(), onRebuilt: (result) => rebuilt.push(result.codeDir) });
  try {
    const good = await watcher.latest();
    setMoney(codeDir, '(cents, ;');
    await assert.rejects(watcher.rebuild(), (error: unknown) => error instanceof BuildError && /^Orders: build failed\n.*money\.ts:1:\d+: /.test(error.message));
    assert.equal((await watcher.latest()).codeDir, good.codeDir, 'the last good build stays');
    setMoney(codeDir, '`fixed ${cents}`');
    const fixed = await watcher.rebuild();
    assert.deepEqual(rebuilt, [fixed.codeDir]);
    assert.deepEqual((await invokeBuilt(fixed, { cents: 1 })).payload, { total: 'fixed 1' });
  } finally {
    await watcher.close();
  }
});

test('a function that never built: latest() rejects with its build error until a rebuild succeeds', async () => {
  const codeDir = copyFixture('ts-app');
  setMoney(codeDir, '(cents, ;');
  const rebuilt: string[] = [];
  const watcher = await watchBuild(esbuildPlan({ functionName: 'Orders', codeDir, handler: 'src/orders.handler' }), { cacheDir: temporaryDir(), onRebuilt: (result) => rebuilt.push(result.codeDir) });
  try {
    await assert.rejects(watcher.latest(), (error: unknown) => error instanceof BuildError && error.kind === 'usage');
    setMoney(codeDir, '`ok ${cents}`');
    const built = await watcher.rebuild();
    assert.deepEqual(rebuilt, [built.codeDir], 'its first good build replaces nothing, but is news');
    assert.equal((await watcher.latest()).codeDir, built.codeDir);
  } finally {
    await watcher.close();
  }
});
