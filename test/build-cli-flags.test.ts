// A first build runs esbuild's CLI (as sam build does) with the plan's options written back as flags;
// the watch builds and the messages use the JavaScript API. Both must build the same bytes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import * as esbuild from 'esbuild';
import { buildWithCli, cliFlags } from '../src/build/esbuild-cli.js';
import { esbuildOptions } from '../src/build/run-esbuild.js';
import { BUILD_FIXTURES, esbuildPlan, removeTemporaryDirs, temporaryDir } from './build-helpers.js';

after(removeTemporaryDirs);

const SAM_APP = path.join(BUILD_FIXTURES, 'sam-app');

function outputs(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((name) => !name.endsWith('.meta.json'))
      .sort()
      .map((name) => [name, readFileSync(path.join(dir, name), 'utf8')]),
  );
}

const CASES: Array<{ name: string; handler: string; properties: Record<string, unknown> }> = [
  {
    name: 'every value-shaped property, CommonJS',
    handler: 'src/handlers/app.handler',
    properties: { Minify: true, Sourcemap: true, Target: 'node18,es2022', KeepNames: true, LegalComments: 'eof', Charset: 'utf8', TreeShaking: 'true', SourcesContent: false, Tsconfig: 'tsconfig.json', MainFields: 'module,main', Conditions: 'node', ResolveExtensions: '.ts,.js', IgnoreAnnotations: true },
  },
  {
    name: 'list and map properties, an ES module',
    handler: 'src/handlers/fields.handler',
    properties: { Format: 'esm', OutExtension: ['.js=.mjs'], Banner: ['js=// banner with spaces "and quotes"'], Footer: ['js=// footer'], Define: ['process.env.STAGE="test"'], External: ['aws-sdk'], Drop: ['debugger'], Pure: ['console.info'], Alias: ['unused-alias=./src/pkg'], Sourcemap: 'inline' },
  },
  { name: 'a loader', handler: 'src/handlers/note.handler', properties: { Loader: ['.txt=text'], Minify: false } },
];

for (const { name, handler, properties } of CASES) {
  test(`the CLI and the API build the same files: ${name}`, async () => {
    const plan = esbuildPlan({ codeDir: SAM_APP, handler, metadata: { BuildMethod: 'esbuild', BuildProperties: properties } });
    const byCli = path.join(temporaryDir(), 'out');
    const byApi = path.join(temporaryDir(), 'out');
    const cli = await buildWithCli(plan, byCli);
    assert.ok(cli !== undefined, `the CLI built quietly with ${JSON.stringify(cliFlags(plan, byCli, 'meta.json'))}`);
    const api = await esbuild.build(esbuildOptions(plan, byApi));
    assert.deepEqual(outputs(byCli), outputs(byApi));
    assert.deepEqual([...cli.inputs].sort(), Object.keys(api.metafile?.inputs ?? {}).sort(), 'the same bundle graph, for the cache');
  });
}

test('a build with something to say is left to the API, whose messages are structured', async () => {
  const plan = esbuildPlan({ codeDir: path.join(BUILD_FIXTURES, 'ts-app'), handler: 'src/syntax-error.handler' });
  assert.equal(await buildWithCli(plan, path.join(temporaryDir(), 'out')), undefined);
});
