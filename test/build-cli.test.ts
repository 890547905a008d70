// TypeScript through the real CLI: emu run, run --stream, bench and serve build the function with real esbuild
// (into EMU_CACHE_DIR, never the source tree), report the build on its own, and run the built code.
import assert from 'node:assert/strict';
import { readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { copyFixture, listing, removeTemporaryDirs, temporaryDir } from './build-helpers.js';
import { assertNoProcessLeft, REPO_ROOT, runEmu } from './helpers.js';
import { send, startServe } from './serve-helpers.js';

after(() => {
  removeTemporaryDirs();
  assertNoProcessLeft();
});

/** A fresh copy of the TypeScript fixture project and a cache folder of its own. */
function project(): { dir: string; env: NodeJS.ProcessEnv; cacheDir: string } {
  const dir = copyFixture('ts-app');
  const cacheDir = temporaryDir('emu-build-cache-');
  return { dir, cacheDir, env: { ...process.env, EMU_CACHE_DIR: cacheDir } };
}

function event(dir: string, json: unknown): string {
  const file = path.join(dir, 'event.json');
  writeFileSync(file, JSON.stringify(json));
  return file;
}

/** Every file of the cache with its modification time: a build that compiled anything changes it. */
function cacheState(cacheDir: string): string[] {
  return readdirSync(cacheDir, { recursive: true, encoding: 'utf8' })
    .filter((name) => !name.endsWith('current.json'))
    .map((name) => `${name} ${statSync(path.join(cacheDir, name)).mtimeMs}`)
    .sort();
}

describe('emu run of a TypeScript handler', () => {
  test('compiles it once: the second run is a cache hit that compiles nothing, and the build is never Init Duration', async () => {
    const { dir, env, cacheDir } = project();
    const before = listing(dir);
    const args = ['run', 'src/orders.handler', event(dir, { cents: 250 }), '--code-dir', dir, '--json', '-v'];
    const first = await runEmu(args, { env });
    assert.equal(first.code, 0, first.stderr);
    const record = JSON.parse(first.stdout) as { payload: unknown; initDurationMs: number; build: { durationMs: number; cacheHit: boolean } };
    assert.deepEqual(record.payload, { total: '$2.50' });
    assert.equal(record.build.cacheHit, false);
    assert.ok(record.build.durationMs > 0);
    assert.match(first.stderr, /build: orders compiled in [\d.]+ ms \(not part of Init Duration\)/);
    const built = cacheState(cacheDir);
    assert.ok(built.some((line) => line.includes('orders.js ')), built.join('\n'));

    const second = await runEmu(args, { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal((JSON.parse(second.stdout) as typeof record).build.cacheHit, true);
    assert.match(second.stderr, /build: orders unchanged, from the cache/);
    assert.deepEqual(cacheState(cacheDir), built, 'nothing in the cache was written again');
    assert.deepEqual(listing(dir).filter((line) => !line.startsWith('event.json')), before.filter((line) => !line.startsWith('event.json')), 'nothing written into the source tree');

    // An edit is a miss again.
    writeFileSync(path.join(dir, 'src', 'lib', 'money.ts'), 'export const formatCents = (cents: number): string => `€${cents / 100}`;\n');
    const third = await runEmu(args, { env });
    assert.equal(third.code, 0, third.stderr);
    const edited = JSON.parse(third.stdout) as typeof record;
    assert.deepEqual(edited.payload, { total: '€2.5' });
    assert.equal(edited.build.cacheHit, false);
  });

  test("a function error's trace points at the .ts file and line (source maps on, as NODE_OPTIONS=--enable-source-maps)", async () => {
    const { dir, env } = project();
    const run = await runEmu(['run', 'src/throws.handler', event(dir, { id: 7 }), '--code-dir', dir], { env });
    assert.equal(run.code, 1, run.stderr);
    const payload = JSON.parse(run.stdout) as { errorMessage: string; trace: string[] };
    assert.equal(payload.errorMessage, 'order 7 is not valid');
    assert.match(payload.trace[1] ?? '', /at check \(.*src\/throws\.ts:4:9\)/, payload.trace.join('\n'));
  });

  test('a syntax error is a build error: exit 2, esbuild\'s file:line:col message; a type error still runs', async () => {
    const { dir, env } = project();
    const broken = await runEmu(['run', 'src/syntax-error.handler', event(dir, {}), '--code-dir', dir], { env });
    assert.equal(broken.code, 2, broken.stderr);
    assert.equal(broken.stdout, '');
    assert.match(broken.stderr, /^emu: syntax-error: build failed\n.*src\/syntax-error\.ts:2:16: Unexpected ";"\n$/);
    const typeError = await runEmu(['run', 'src/type-error.handler', event(dir, {}), '--code-dir', dir], { env });
    assert.equal(typeError.code, 0, typeError.stderr);
  });
});

test("a package left external resolves from the artifact as from the code, wherever EMU_CACHE_DIR puts the cache", async () => {
  const cacheDir = temporaryDir('emu-build-cache-');
  const template = path.join(temporaryDir(), 'template.yaml');
  const samApp = path.join(REPO_ROOT, 'test', 'fixtures', 'build', 'sam-app'); // yaml comes from the repository's node_modules
  writeFileSync(
    template,
    `Transform: AWS::Serverless-2016-10-31\nResources:\n  ExtFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: ${samApp}\n      Handler: src/handlers/ext.handler\n      Runtime: nodejs20.x\n    Metadata:\n      BuildMethod: esbuild\n      BuildProperties:\n        External: ['./node_modules/*']\n`,
  );
  const run = await runEmu(['run', 'ExtFunction', '--template', template, '--no-credentials'], { env: { ...process.env, EMU_CACHE_DIR: cacheDir } });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { yaml: 'external: true' });
});

test('run --stream and bench report the build beside, not inside, their figures', async () => {
  const { dir, env } = project();
  const events = path.join(dir, 'events.ndjson');
  writeFileSync(events, '{"cents":1}\n{"cents":2}\n');
  const summary = path.join(dir, 'summary.json');
  const stream = await runEmu(['run', 'src/orders.handler', events, '--stream', '--code-dir', dir, '--summary', summary], { env });
  assert.equal(stream.code, 0, stream.stderr);
  assert.deepEqual(stream.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown), [{ total: '$0.01' }, { total: '$0.02' }]);
  const report = (await import(summary, { with: { type: 'json' } })) as { default: { build: { cacheHit: boolean; durationMs: number } } };
  assert.equal(report.default.build.cacheHit, false);
  assert.match(stream.stderr, /emu --stream \(warm, -c 1, built in [\d.]+ ms\)/);

  const bench = await runEmu(['bench', 'src/orders.handler', events, '--code-dir', dir, '--runs', '1', '--modes', 'warm', '--json'], { env });
  assert.equal(bench.code, 0, bench.stderr);
  const figures = JSON.parse(bench.stdout) as { measuredOn: { handler: string; codeDir: string }; build: { cacheHit: boolean; durationMs: number } };
  assert.equal(figures.build.cacheHit, true, 'built by the stream run above');
  assert.equal(figures.measuredOn.handler, 'src/orders.handler', 'named as written, not as built');
  assert.equal(path.resolve(figures.measuredOn.codeDir), dir);
});

describe('emu serve of a TypeScript handler', () => {
  test('a function that never built answers 502 with the reason on stderr; --watch serves the fix, and a save by rename', async () => {
    const { dir, env } = project();
    const serve = await startServe(['src/syntax-error.handler', '--code-dir', dir, '--watch'], { env });
    try {
      const broken = await send(serve.url);
      assert.equal(broken.status, 502);
      assert.equal(broken.text, '{"message":"Internal server error"}');
      assert.match(serve.stderr(), /syntax-error: build failed\n.*syntax-error\.ts:2:16: Unexpected ";"/);
      assert.match(serve.stderr(), /no build to run \(API Gateway answers 502\)/);

      writeFileSync(path.join(dir, 'src', 'syntax-error.ts'), 'export const handler = async (): Promise<number> => 1;\n');
      assert.equal(await eventuallyAnswers(serve.url, '1'), '1', serve.stderr());
      // Editors that save by writing a copy and renaming it over the file (vim, safe write): the watcher must still see it.
      const copy = path.join(dir, 'src', 'syntax-error.ts.swp');
      writeFileSync(copy, 'export const handler = async (): Promise<number> => 2;\n');
      renameSync(copy, path.join(dir, 'src', 'syntax-error.ts'));
      assert.equal(await eventuallyAnswers(serve.url, '2'), '2', serve.stderr());
      writeFileSync(path.join(dir, 'src', 'syntax-error.ts'), 'export const handler = async (): Promise<number> => 3;\n');
      assert.equal(await eventuallyAnswers(serve.url, '3'), '3', serve.stderr());
    } finally {
      await serve.stop();
    }
  });

  test('--watch: a broken edit keeps the last good build serving; an edit of an imported module is rebuilt', async () => {
    const { dir, env } = project();
    const serve = await startServe(['src/orders.handler', '--code-dir', dir, '--watch'], { env });
    try {
      const body = JSON.stringify({ cents: 100 });
      const invoke = `${serve.url}/2015-03-31/functions/orders/invocations`; // the event as is, through the Invoke API
      assert.equal((await send(invoke, { method: 'POST', body })).text, '{"total":"$1.00"}');
      writeFileSync(path.join(dir, 'src', 'orders.ts'), 'export const handler = async ( => 1;\n');
      assert.ok(await waitFor(() => /orders: build failed/.test(serve.stderr())), serve.stderr());
      assert.equal((await send(invoke, { method: 'POST', body })).text, '{"total":"$1.00"}', 'the last good build');
      writeFileSync(path.join(dir, 'src', 'orders.ts'), "import { formatCents } from '@lib/money';\nexport const handler = async (e: { cents: number }) => ({ total: formatCents(e.cents) });\n");
      writeFileSync(path.join(dir, 'src', 'lib', 'money.ts'), 'export const formatCents = (cents: number): string => `${cents} cents`;\n');
      assert.equal(await eventuallyAnswers(invoke, '{"total":"100 cents"}', body), '{"total":"100 cents"}', serve.stderr());
    } finally {
      await serve.stop();
    }
  });
});

async function eventuallyAnswers(url: string, expected: string, body?: string): Promise<string> {
  let latest = '';
  for (const until = Date.now() + 15_000; latest !== expected && Date.now() < until; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    latest = (await send(url, body === undefined ? {} : { method: 'POST', body })).text;
  }
  return latest;
}

async function waitFor(condition: () => boolean): Promise<boolean> {
  for (const until = Date.now() + 15_000; Date.now() < until; ) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}
