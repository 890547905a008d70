// Layers (--layer), the code folder's lib/, and the AWS SDK that AWS provides and emu does not:
// the module path in AWS's order, used in place.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { checkLayerFolders } from '../src/config/index.js';
import { EmuError } from '../src/errors/emu-error.js';
import { FIXTURES, REPO_ROOT, withEmulator, runEmu, type CliRun } from './helpers.js';

const IDENTITY = path.join(FIXTURES, 'identity');
const LAYER_ONE = path.join(IDENTITY, 'layers', 'layer-one');
const LAYER_TWO = path.join(IDENTITY, 'layers', 'layer-two');
const RUNTIME_DIR = path.join(REPO_ROOT, 'runtime-bootstrap');
const NODE_MAJOR = process.versions.node.split('.')[0] as string;
const scratch = mkdtempSync(path.join(tmpdir(), 'emu-layers-'));

/** A layer made on the fly: { 'nodejs/node_modules/x/index.js': '...' }. */
function makeLayer(name: string, files: Record<string, string>): string {
  const root = path.join(scratch, name);
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), content);
  }
  mkdirSync(root, { recursive: true });
  return root;
}

function usage(pattern: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof EmuError && error.kind === 'usage' && !error.message.includes('\n') && pattern.test(error.message);
}

async function invokeJson(options: { handler: string; codeDir?: string; layers?: string[] }, event: unknown): Promise<{ payload: Record<string, unknown>; errorType: string | undefined }> {
  let payload: Record<string, unknown> = {};
  let errorType: string | undefined;
  await withEmulator({ codeDir: IDENTITY, ...options }, async ({ emulator }) => {
    const result = await emulator.invoke(event);
    payload = JSON.parse(result.payloadJson) as Record<string, unknown>;
    errorType = result.error?.errorType;
  });
  return { payload, errorType };
}

describe('layer folders', () => {
  test('a layer is a folder with nodejs/ in it; anything else is a one-line usage error', () => {
    assert.deepEqual(checkLayerFolders([LAYER_ONE, path.relative(process.cwd(), LAYER_TWO)]).folders, [LAYER_ONE, LAYER_TWO]);
    assert.throws(() => checkLayerFolders([path.join(scratch, 'missing')]), usage(/^layer folder not found: .*missing$/));
    const zip = path.join(scratch, 'layer.zip');
    writeFileSync(zip, 'PK');
    assert.throws(() => checkLayerFolders([zip]), usage(/^--layer expects a folder, got the file .*layer\.zip: unzip it and pass the folder/));
    const flat = makeLayer('flat', { 'node_modules/x/index.js': '' });
    assert.throws(() => checkLayerFolders([flat]), usage(/^layer folder .*flat has no nodejs\/ folder: a Node\.js layer keeps its packages in nodejs\/node_modules$/));
  });

  test('more than AWS\'s 5 layers is a warning', () => {
    assert.deepEqual(checkLayerFolders(Array(6).fill(LAYER_ONE) as string[]).warnings, ['6 layers given; AWS allows at most 5 per function']);
  });
});

describe('the module path', () => {
  test("NODE_PATH is AWS's, with each layer in place of /opt (the later layer first) and the code folder's lib/ last", async () => {
    const { payload } = await invokeJson({ handler: 'whoami.handler', layers: [LAYER_ONE, LAYER_TWO] }, {});
    assert.deepEqual((payload.nodePath as string).split(':'), [
      `${LAYER_TWO}/nodejs/node${NODE_MAJOR}/node_modules`,
      `${LAYER_ONE}/nodejs/node${NODE_MAJOR}/node_modules`,
      `${LAYER_TWO}/nodejs/node_modules`,
      `${LAYER_ONE}/nodejs/node_modules`,
      `${RUNTIME_DIR}/node_modules`,
      RUNTIME_DIR,
      IDENTITY,
      `${IDENTITY}/lib`,
    ]);
  });

  test('require() finds packages in layers (a later layer wins, as its files overwrite on AWS) and in lib/', async () => {
    const { payload, errorType } = await invokeJson({ handler: 'uses-layer.handler', layers: [LAYER_ONE, LAYER_TWO] }, { modules: ['shared-lib', 'only-in-one', 'local-helper'] });
    assert.equal(errorType, undefined, JSON.stringify(payload));
    assert.deepEqual(payload, { 'shared-lib': 'layer-two', 'only-in-one': 'layer-one only', 'local-helper': 'lib folder' });
  });

  test('nodejs/nodeNN/node_modules comes before nodejs/node_modules, as on AWS', async () => {
    const versioned = makeLayer('versioned', {
      [`nodejs/node${NODE_MAJOR}/node_modules/shared-lib/index.js`]: "module.exports = { origin: 'versioned' };",
      'nodejs/node_modules/shared-lib/index.js': "module.exports = { origin: 'plain' };",
    });
    const { payload } = await invokeJson({ handler: 'uses-layer.handler', layers: [versioned] }, { modules: ['shared-lib'] });
    assert.deepEqual(payload, { 'shared-lib': 'versioned' });
  });

  // AWS's Node runtime reports Runtime.ImportModuleError only while it loads the handler's module;
  // a require the handler itself calls later throws Node's plain Error, reported with errorType "Error".
  test('without the layer, a require inside the handler fails with errorType Error (the error Node threw)', async () => {
    const { payload, errorType } = await invokeJson({ handler: 'uses-layer.handler' }, { modules: ['shared-lib'] });
    assert.equal(errorType, 'Error');
    assert.match(payload.errorMessage as string, /^Cannot find module 'shared-lib'/);
  });

  test('without the layer, a require while the module loads is a Runtime.ImportModuleError', async () => {
    const codeDir = makeLayer('requires-at-load', { 'index.js': "const lib = require('shared-lib');\nexports.handler = async () => lib.origin;\n" });
    const { payload, errorType } = await invokeJson({ handler: 'index.handler', codeDir }, {});
    assert.equal(errorType, 'Runtime.ImportModuleError');
    assert.match(payload.errorMessage as string, /^Error: Cannot find module 'shared-lib'/);
  });
});

describe('the AWS SDK', () => {
  // Outside the repository, so no node_modules of emu's own is found walking up.
  const codeDir = mkdtempSync(path.join(tmpdir(), 'emu-sdk-'));
  const sources = {
    CommonJS: ['cjs/sdk.cjs', "const { S3Client } = require('@aws-sdk/client-s3');\nexports.handler = async () => typeof S3Client;\n"],
    ESM: ['esm/sdk.mjs', "import { S3Client } from '@aws-sdk/client-s3';\nexport const handler = async () => typeof S3Client;\n"],
  } as const;

  for (const [kind, [file, source]] of Object.entries(sources)) {
    test(`a ${kind} handler importing an @aws-sdk package it lacks gets an ImportModuleError that says why and how to add it`, async () => {
      mkdirSync(path.join(codeDir, path.dirname(file)), { recursive: true });
      writeFileSync(path.join(codeDir, file), source);
      const { payload, errorType } = await invokeJson({ handler: 'sdk.handler', codeDir: path.join(codeDir, path.dirname(file)) }, {});
      assert.equal(errorType, 'Runtime.ImportModuleError');
      assert.match(
        payload.errorMessage as string,
        /^Error( \[ERR_MODULE_NOT_FOUND\])?: Cannot find (module|package) '@aws-sdk\/client-s3'[^\n]*\. AWS provides the AWS SDK for JavaScript v3 to Node\.js functions, emu does not: add it locally \(npm install --save-dev @aws-sdk\/client-s3\) or in a --layer/,
      );
    });
  }

  test('an @aws-sdk package in a layer loads as any other', async () => {
    const layer = makeLayer('sdk-layer', { 'nodejs/node_modules/@aws-sdk/client-s3/index.js': "exports.S3Client = class S3Client { constructor() { this.config = { region: 'from-layer' }; } };" });
    const only = path.join(codeDir, 'with-layer');
    mkdirSync(only, { recursive: true });
    writeFileSync(path.join(only, 'sdk.cjs'), "const { S3Client } = require('@aws-sdk/client-s3');\nexports.handler = async () => ({ region: new S3Client({}).config.region });\n");
    const { payload, errorType } = await invokeJson({ handler: 'sdk.handler', codeDir: only, layers: [layer] }, {});
    assert.equal(errorType, undefined, JSON.stringify(payload));
    assert.deepEqual(payload, { region: 'from-layer' });
  });
});

describe('emu run --layer (CLI)', () => {
  const emu = (args: string[]): Promise<CliRun> => runEmu(args, { stdin: '{"modules": ["shared-lib", "only-in-one"]}' });

  test('repeatable --layer, in order', async () => {
    const run = await emu(['run', 'uses-layer.handler', '-', '--code-dir', IDENTITY, '--layer', LAYER_ONE, '--layer', LAYER_TWO]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { 'shared-lib': 'layer-two', 'only-in-one': 'layer-one only' });
  });

  test('a layer folder that does not exist or has no nodejs/ is a usage error before any sandbox starts', async () => {
    const missing = await emu(['run', 'uses-layer.handler', '-', '--code-dir', IDENTITY, '--layer', path.join(scratch, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^emu: layer folder not found: .*nope\n$/);
    const noNodejs = await emu(['run', 'uses-layer.handler', '-', '--code-dir', IDENTITY, '--layer', IDENTITY]);
    assert.equal(noNodejs.code, 2);
    assert.match(noNodejs.stderr, /has no nodejs\/ folder/);
  });
});
