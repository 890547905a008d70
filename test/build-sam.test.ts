// SAM's esbuild builds (Metadata: BuildMethod esbuild) with real esbuild on test/fixtures/build/sam-app, run in real sandboxes.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveBuild } from '../src/build/index.js';
import { EmuError } from '../src/index.js';
import { artifactFiles, BUILD_FIXTURES, build, invokeBuilt, readArtifact, removeTemporaryDirs } from './build-helpers.js';
import { assertNoProcessLeft, REPO_ROOT } from './helpers.js';

const SAM_APP = path.join(BUILD_FIXTURES, 'sam-app');
/** Under this repository's node_modules, as the default cache would be: a built artifact finds the repository's packages from there. */
const REPO_CACHE = path.join(REPO_ROOT, 'node_modules', '.cache', `emu-build-test-${process.pid}`);
after(() => {
  removeTemporaryDirs();
  rmSync(REPO_CACHE, { recursive: true, force: true });
  assertNoProcessLeft();
});

/** A SAM function over sam-app: handler src/handlers/<name>.handler, built by esbuild with these BuildProperties. */
function samFunction(name: string, properties?: Record<string, unknown>, env?: Record<string, string>) {
  const metadata = { BuildMethod: 'esbuild', ...(properties === undefined ? {} : { BuildProperties: properties }) };
  return { functionName: `${name}Function`, codeDir: SAM_APP, handler: `src/handlers/${name}.handler`, metadata, env };
}

async function payloadOf(name: string, properties?: Record<string, unknown>, event?: unknown): Promise<unknown> {
  const invocation = await invokeBuilt(await build(samFunction(name, properties)), event);
  assert.equal(invocation.status, 'ok', JSON.stringify(invocation.error));
  return invocation.payload;
}

describe('the artifact, laid out as sam build lays it out', () => {
  test('EntryPoints default to the handler module (.ts tried first); the Handler loses its folders', async () => {
    const result = await build(samFunction('app'));
    assert.deepEqual(artifactFiles(result.codeDir), ['app.js'], 'one bundle, minified, no source map (SAM defaults)');
    assert.equal(result.handler, 'app.handler');
    assert.deepEqual(result.env, {});
    assert.deepEqual((await invokeBuilt(result, { name: 'sam' })).payload, { message: 'hello sam' }, 'tsconfig paths resolved');
  });

  test('EntryPoints in two folders keep their paths below the common folder, and so does the Handler', async () => {
    const result = await build(samFunction('app', { EntryPoints: ['src/handlers/app.ts', 'shared/greeting.ts'] }));
    assert.ok(existsSync(path.join(result.codeDir, 'src', 'handlers', 'app.js')) && existsSync(path.join(result.codeDir, 'shared', 'greeting.js')));
    assert.equal(result.handler, 'src/handlers/app.handler');
    assert.deepEqual((await invokeBuilt(result)).payload, { message: 'hello world' });
  });
});

describe('each BuildProperty', () => {
  test('Format esm with OutExtension .js=.mjs and Target es2022: an ES module with top-level await', async () => {
    const result = await build(samFunction('esm', { Format: 'esm', OutExtension: ['.js=.mjs'], Target: 'es2022' }));
    assert.deepEqual(artifactFiles(result.codeDir), ['esm.mjs']);
    assert.deepEqual((await invokeBuilt(result)).payload, { loaded: 'esm with top-level await' });
  });

  test('Target defaults to es2020, as in sam build: top-level await does not build', async () => {
    const error: unknown = await build(samFunction('esm', { Format: 'esm', OutExtension: ['.js=.mjs'] })).catch((caught: unknown) => caught);
    assert.ok(error instanceof EmuError && error.kind === 'usage', String(error));
    assert.match(error.message, /^esmFunction: build failed\n.*esm\.ts:1:\d+: Top-level await is not available in the configured target environment \("es2020"\)$/);
  });

  test('OutExtension .js=.cjs with Format cjs', async () => {
    const result = await build(samFunction('app', { OutExtension: ['.js=.cjs'] }));
    assert.deepEqual(artifactFiles(result.codeDir), ['app.cjs']);
    assert.deepEqual((await invokeBuilt(result)).payload, { message: 'hello world' });
  });

  test('Target: es2020 by default keeps ?. and ??; es2019 lowers them', async () => {
    assert.match(readArtifact(await build(samFunction('app')), 'app.js'), /\?\?/);
    const lowered = await build(samFunction('app', { Target: 'es2019' }));
    assert.doesNotMatch(readArtifact(lowered, 'app.js'), /\?\?|\?\./);
    assert.deepEqual((await invokeBuilt(lowered)).payload, { message: 'hello world' });
  });

  test('Minify: true by default (names mangled); false, or KeepNames, keeps them', async () => {
    assert.notDeepEqual(await payloadOf('named'), { name: 'OrderTotal' });
    assert.deepEqual(await payloadOf('named', { Minify: false }), { name: 'OrderTotal' });
    assert.deepEqual(await payloadOf('named', { KeepNames: true }), { name: 'OrderTotal' });
  });

  test('Sourcemap: true writes the map and sets NODE_OPTIONS, so the trace points at the .ts line', async () => {
    const result = await build(samFunction('throws', { Sourcemap: true }));
    assert.deepEqual(artifactFiles(result.codeDir).sort(), ['throws.js', 'throws.js.map']);
    assert.equal(result.env.NODE_OPTIONS, '--enable-source-maps');
    const invocation = await invokeBuilt(result, { amount: -1 });
    assert.equal(invocation.error?.errorType, 'RangeError');
    const trace = ((invocation.payload as { trace?: string[] }).trace ?? []).join('\n');
    assert.ok(trace.includes(`${path.join(SAM_APP, 'src', 'handlers', 'throws.ts')}:6:`), trace);
  });

  test('NODE_OPTIONS=--enable-source-maps in the environment turns Sourcemap on, as sam build does', async () => {
    const result = await build(samFunction('throws', undefined, { NODE_OPTIONS: '--enable-source-maps' }));
    assert.ok(existsSync(path.join(result.codeDir, 'throws.js.map')));
    assert.deepEqual(result.env, {}, 'already set');
    const off = await build(samFunction('throws', { Sourcemap: false }, { NODE_OPTIONS: '--enable-source-maps' }));
    assert.ok(!existsSync(path.join(off.codeDir, 'throws.js.map')), 'Sourcemap: false wins');
  });

  test('SourcesContent: false leaves the sources out of the map; the boolean false, as in sam build, changes nothing', async () => {
    assert.doesNotMatch(readArtifact(await build(samFunction('throws', { Sourcemap: true, SourcesContent: 'false' })), 'throws.js.map'), /sourcesContent/);
    assert.match(readArtifact(await build(samFunction('throws', { Sourcemap: true, SourcesContent: false })), 'throws.js.map'), /sourcesContent/);
  });

  test('External leaves a package to be required at run time; ./node_modules/* makes every package.json dependency external', async () => {
    for (const external of ['yaml', './node_modules/*']) {
      const result = await build(samFunction('ext', { External: [external] }), REPO_CACHE);
      const bundle = readArtifact(result, 'ext.js');
      assert.match(bundle, /require\("yaml"\)/, external);
      assert.ok(bundle.length < 5000, `yaml itself is not bundled (${bundle.length} bytes)`);
      assert.deepEqual((await invokeBuilt(result)).payload, { yaml: 'external: true' });
    }
  });

  test('Banner and Footer', async () => {
    const bundle = readArtifact(await build(samFunction('app', { Banner: ['js=// banner line'], Footer: ['js=// footer line'] })), 'app.js');
    assert.ok(bundle.startsWith('// banner line\n'), bundle.slice(0, 40));
    assert.ok(bundle.trimEnd().endsWith('// footer line'), bundle.slice(-40));
  });

  test('Loader', async () => {
    assert.deepEqual(await payloadOf('note', { Loader: ['.txt=text'] }), { note: 'a note loaded as text' });
  });

  test('MainFields', async () => {
    assert.deepEqual(await payloadOf('fields'), { field: 'main' }, "esbuild's default for platform node: main,module");
    assert.deepEqual(await payloadOf('fields', { MainFields: 'module,main' }), { field: 'module' });
  });

  test('Define', async () => {
    assert.deepEqual(await payloadOf('stage', { Define: ['STAGE="prod"'] }), { stage: 'prod' });
  });

  test('Tsconfig', async () => {
    assert.deepEqual(await payloadOf('app', { Tsconfig: 'tsconfig.alt.json' }), { message: 'alt hello world' });
  });

  test('Platform is always node (a warning); an unknown property is a warning too', async () => {
    const result = await build(samFunction('app', { Platform: 'browser', Frobnicate: true }));
    assert.deepEqual(result.warnings, ['appFunction: BuildProperties.Platform is always node for Lambda (sam build ignores it too)', 'appFunction: BuildProperties.Frobnicate is not applied by emu (not an esbuild option emu knows)']);
    assert.deepEqual((await invokeBuilt(result)).payload, { message: 'hello world' });
  });
});

describe('bad input: one line naming the function and the property', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a missing EntryPoint', { BuildMethod: 'esbuild', BuildProperties: { EntryPoints: ['src/nope.ts'] } }, /^OrdersFunction: BuildProperties\.EntryPoints: src\/nope\.ts does not exist in /],
    ['a handler module that does not exist', { BuildMethod: 'esbuild' }, /^OrdersFunction: BuildProperties\.EntryPoints: src\/handlers\/missing\.ts or src\/handlers\/missing\.js does not exist in .*\(from Handler src\/handlers\/missing\.handler\)$/],
    ['BuildMethod makefile', { BuildMethod: 'makefile' }, /^OrdersFunction: Metadata\.BuildMethod "makefile" is not supported by emu \(a sam build method for other languages; .*rust-cargolambda/],
    ['an unknown BuildMethod', { BuildMethod: 'webpack' }, /^OrdersFunction: Metadata\.BuildMethod "webpack" is not supported by emu \(unknown; /],
    ['Format esm in a .js file', { BuildMethod: 'esbuild', BuildProperties: { Format: 'esm' } }, /^OrdersFunction: BuildProperties\.Format esm needs OutExtension \.js=\.mjs/],
    ['cjs in a .mjs file', { BuildMethod: 'esbuild', BuildProperties: { OutExtension: ['.js=.mjs'] } }, /^OrdersFunction: BuildProperties\.OutExtension \.js=\.mjs needs Format esm/],
    ['Format iife', { BuildMethod: 'esbuild', BuildProperties: { Format: 'iife' } }, /^OrdersFunction: BuildProperties\.Format iife exports no handler/],
    ['External as a string', { BuildMethod: 'esbuild', BuildProperties: { External: 'yaml' } }, /^OrdersFunction: BuildProperties\.External must be a list of strings, as sam build passes each item to esbuild as --external:ITEM \('yaml' given\)$/],
    ['Target as a list', { BuildMethod: 'esbuild', BuildProperties: { Target: ['es2020'] } }, /^OrdersFunction: BuildProperties\.Target must be a comma-separated string/],
    ['a Define item without =', { BuildMethod: 'esbuild', BuildProperties: { Define: ['STAGE'] } }, /^OrdersFunction: BuildProperties\.Define items must be KEY=VALUE \('STAGE' given\)$/],
  ];
  for (const [name, metadata, message] of cases) {
    test(name, () => {
      const handler = name.includes('does not exist') ? 'src/handlers/missing.handler' : 'src/handlers/app.handler';
      assert.throws(() => resolveBuild({ functionName: 'OrdersFunction', codeDir: SAM_APP, handler, metadata }), (error: Error & { kind?: string }) => {
        assert.equal(error.kind, 'usage');
        assert.doesNotMatch(error.message, /\n/);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  test('BuildMethod nodejs20.x copies the code as it is: no build', () => {
    assert.deepEqual(resolveBuild({ functionName: 'F', codeDir: SAM_APP, handler: 'src/pkg/main.handler', metadata: { BuildMethod: 'nodejs20.x' } }), { kind: 'none' });
  });

  test('an option value esbuild refuses is a usage error naming its flag', async () => {
    const error: unknown = await build(samFunction('app', { Target: 'es1999' })).catch((caught: unknown) => caught);
    assert.ok(error instanceof EmuError && error.kind === 'usage', String(error));
    assert.equal(error.message, 'appFunction: BuildProperties: esbuild refuses an option: Invalid target "es1999" in "--target=es1999"');
  });
});
