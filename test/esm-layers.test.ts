// ES module handlers import packages from layers, as AWS's Node runtimes (18 and later) let them:
// an import the function's own node_modules cannot satisfy is looked up in NODE_PATH's folders.
// Every function here is made on the fly outside the repository, so no node_modules of emu's own
// is found walking up from it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { MODES, assertNoProcessLeft, runEmu, withEmulator } from './helpers.js';

const NODE_MAJOR = process.versions.node.split('.')[0] as string;
const scratch = mkdtempSync(path.join(tmpdir(), 'emu-esm-layers-'));

/** A folder made of { 'relative/path': 'content' }. */
function makeFolder(name: string, files: Record<string, string>): string {
  const root = path.join(scratch, name);
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), content);
  }
  return root;
}

/** A CommonJS package (main only) saying where it came from. */
function commonJsPackage(folder: string, name: string, origin: string): Record<string, string> {
  return { [`${folder}/${name}/index.js`]: `module.exports = { origin: ${JSON.stringify(origin)} };\n` };
}

/** An ES-module-only package: "type": "module", "exports" and no "main", so require() cannot load it. */
function esmOnlyPackage(folder: string, name: string, origin: string): Record<string, string> {
  return {
    [`${folder}/${name}/package.json`]: JSON.stringify({ name, type: 'module', exports: { '.': './dist/entry.js', './extra': './dist/extra.js' } }),
    [`${folder}/${name}/dist/entry.js`]: `export const origin = ${JSON.stringify(origin)};\n`,
    [`${folder}/${name}/dist/extra.js`]: `export const extra = ${JSON.stringify(`${origin}, extra`)};\n`,
  };
}

const IMPORTS_BOTH = [
  "import cjs from 'cjs-lib';",
  "import { origin } from 'esm-only-lib';",
  "import { extra } from 'esm-only-lib/extra';",
  "import { origin as scoped } from '@acme/scoped-lib';",
  'export const handler = async () => ({ cjs: cjs.origin, esm: origin, extra, scoped });',
].join('\n');
const IMPORTED = { cjs: 'layer cjs', esm: 'layer esm', extra: 'layer esm, extra', scoped: 'layer scoped' };
const LAYER = makeFolder('layer', {
  ...commonJsPackage('nodejs/node_modules', 'cjs-lib', 'layer cjs'),
  ...esmOnlyPackage('nodejs/node_modules', 'esm-only-lib', 'layer esm'),
  ...esmOnlyPackage('nodejs/node_modules', '@acme/scoped-lib', 'layer scoped'),
});

async function invoke(options: { handler: string; codeDir: string; layers?: string[]; mode?: 'cold' | 'warm' }, times = 1): Promise<{ payload: unknown; errorType: string | undefined }[]> {
  const results: { payload: unknown; errorType: string | undefined }[] = [];
  await withEmulator(options, async ({ emulator }) => {
    for (let i = 0; i < times; i++) {
      const result = await emulator.invoke({});
      results.push({ payload: JSON.parse(result.payloadJson), errorType: result.error?.errorType });
    }
  });
  return results;
}

describe('an ES module handler imports packages from a layer', () => {
  for (const mode of MODES) {
    test(`.mjs: a CommonJS package, an ES-module-only package with "exports" (and a subpath), a scoped package (${mode})`, async () => {
      const codeDir = makeFolder(`mjs-${mode}`, { 'index.mjs': IMPORTS_BOTH });
      const results = await invoke({ handler: 'index.handler', codeDir, layers: [LAYER], mode }, 2);
      for (const { payload, errorType } of results) {
        assert.equal(errorType, undefined, JSON.stringify(payload));
        assert.deepEqual(payload, IMPORTED);
      }
    });
  }

  test('.js under "type": "module", through emu run --layer', async () => {
    const codeDir = makeFolder('type-module', { 'package.json': '{"type":"module"}', 'app.js': IMPORTS_BOTH });
    const run = await runEmu(['run', 'app.handler', '--code-dir', codeDir, '--layer', LAYER], { timeoutMs: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), IMPORTED);
    assertNoProcessLeft();
  });

  test('a package in a layer imports another from a later layer, as they would share /opt on AWS', async () => {
    const base = makeFolder('base-layer', esmOnlyPackage('nodejs/node_modules', 'base-lib', 'base layer'));
    const top = makeFolder('top-layer', {
      'nodejs/node_modules/top-lib/package.json': JSON.stringify({ name: 'top-lib', type: 'module', exports: './index.js' }),
      'nodejs/node_modules/top-lib/index.js': "export { origin } from 'base-lib';\n",
    });
    const codeDir = makeFolder('cross-layer', { 'index.mjs': "import { origin } from 'top-lib';\nexport const handler = async () => origin;\n" });
    const [result] = await invoke({ handler: 'index.handler', codeDir, layers: [top, base] });
    assert.deepEqual(result, { payload: 'base layer', errorType: undefined });
  });
});

describe("the order AWS resolves in", () => {
  test("the function's own node_modules win over a layer's", async () => {
    const layer = makeFolder('shadowed-layer', { ...esmOnlyPackage('nodejs/node_modules', 'shared-lib', 'layer'), ...esmOnlyPackage('nodejs/node_modules', 'layer-only-lib', 'layer') });
    const codeDir = makeFolder('own-wins', {
      ...esmOnlyPackage('node_modules', 'shared-lib', 'own node_modules'),
      'index.mjs': "import { origin as shared } from 'shared-lib';\nimport { origin as layerOnly } from 'layer-only-lib';\nexport const handler = async () => ({ shared, layerOnly });\n",
    });
    const [result] = await invoke({ handler: 'index.handler', codeDir, layers: [layer] });
    assert.deepEqual(result, { payload: { shared: 'own node_modules', layerOnly: 'layer' }, errorType: undefined });
  });

  test(`a later layer wins over an earlier one, and nodejs/node${NODE_MAJOR}/node_modules over nodejs/node_modules`, async () => {
    const earlier = makeFolder('earlier-layer', {
      ...esmOnlyPackage('nodejs/node_modules', 'shared-lib', 'earlier layer'),
      ...esmOnlyPackage('nodejs/node_modules', 'plain-or-versioned', 'earlier layer'),
    });
    const later = makeFolder('later-layer', {
      ...esmOnlyPackage('nodejs/node_modules', 'shared-lib', 'later layer'),
      ...esmOnlyPackage('nodejs/node_modules', 'plain-or-versioned', 'later layer, plain'),
      ...esmOnlyPackage(`nodejs/node${NODE_MAJOR}/node_modules`, 'plain-or-versioned', `later layer, node${NODE_MAJOR}`),
    });
    const codeDir = makeFolder('later-wins', {
      'index.mjs': "import { origin as shared } from 'shared-lib';\nimport { origin as versioned } from 'plain-or-versioned';\nexport const handler = async () => ({ shared, versioned });\n",
    });
    const [result] = await invoke({ handler: 'index.handler', codeDir, layers: [earlier, later] });
    assert.deepEqual(result, { payload: { shared: 'later layer', versioned: `later layer, node${NODE_MAJOR}` }, errorType: undefined });
  });
});

describe('failures and cost', () => {
  // AWS's runtime client wraps only CommonJS's MODULE_NOT_FOUND as Runtime.ImportModuleError
  // (src/UserFunction.js:221); an ES module's ERR_MODULE_NOT_FOUND reaches /init/error as Node threw it.
  test("a package no folder has fails init with AWS's payload: Node's error, naming the importing file", async () => {
    const codeDir = makeFolder('missing', { 'index.mjs': "import cjs from 'cjs-lib';\nimport absent from 'absent-lib';\nexport const handler = async () => [cjs, absent];\n" });
    const [result] = await invoke({ handler: 'index.handler', codeDir, layers: [LAYER] });
    const payload = result?.payload as { errorMessage: string; trace: string[] };
    assert.equal(result?.errorType, 'Error');
    assert.equal(payload.errorMessage, `Cannot find package 'absent-lib' imported from ${path.join(codeDir, 'index.mjs')}`);
    assert.equal(payload.trace[0], `Error [ERR_MODULE_NOT_FOUND]: ${payload.errorMessage}`);
  });

  // The hooks run on a thread of their own: a function without layers must not start it.
  test('only an ES module handler with a layer starts the resolve hooks (one more thread)', async () => {
    const source = "import { readFileSync } from 'node:fs';\nexport const handler = async () => Number(/^Threads:\\s+(\\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);\n";
    const codeDir = makeFolder('threads', { 'index.mjs': source });
    const [without] = await invoke({ handler: 'index.handler', codeDir });
    const [withLayer] = await invoke({ handler: 'index.handler', codeDir, layers: [LAYER] });
    assert.equal(typeof without?.payload, 'number');
    assert.ok((withLayer?.payload as number) > (without?.payload as number), `threads: ${String(without?.payload)} without a layer, ${String(withLayer?.payload)} with one`);
  });
});
