// examples/sam-typescript as a user runs it from its folder: a TypeScript SAM project whose function
// is built from its Metadata (esbuild) and taken from ./template.yaml by logical id, in run, run --stream,
// bench and serve. The build goes to EMU_CACHE_DIR, never into the example.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { listing, removeTemporaryDirs, temporaryDir } from './build-helpers.js';
import { assertNoProcessLeft, REPO_ROOT, runEmu } from './helpers.js';
import { send, startServe } from './serve-helpers.js';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'sam-typescript');
const env = { ...process.env, EMU_CACHE_DIR: temporaryDir('emu-template-run-cache-') };
const exampleBefore = listing(EXAMPLE);
after(() => {
  removeTemporaryDirs();
  assert.deepEqual(listing(EXAMPLE), exampleBefore, 'nothing written into the example');
  assertNoProcessLeft();
});

function helloEvent(name: string): string {
  const event = JSON.parse(readFileSync(path.join(EXAMPLE, 'events', 'event.json'), 'utf8')) as { queryStringParameters: Record<string, string> };
  return JSON.stringify({ ...event, queryStringParameters: { name } });
}

test("emu run <LogicalId> builds it from its Metadata and runs it with the template's Globals and Environment", async () => {
  const run = await runEmu(['run', 'HelloWorldFunction', 'events/event.json', '--json', '--no-credentials'], { cwd: EXAMPLE, env });
  assert.equal(run.code, 0, run.stderr);
  const record = JSON.parse(run.stdout) as { payload: { statusCode: number; body: string }; memorySizeMb: number; build: { cacheHit: boolean } };
  assert.equal(record.payload.statusCode, 200);
  assert.deepEqual(JSON.parse(record.payload.body), { message: 'hello, emu', stage: 'local' }, 'Globals and the function’s Environment');
  assert.equal(record.memorySizeMb, 256);
  assert.equal(typeof record.build.cacheHit, 'boolean');
});

test("a failure's trace points at the TypeScript source (BuildProperties.Sourcemap)", async () => {
  const run = await runEmu(['run', 'HelloWorldFunction', '-', '--no-credentials'], { cwd: EXAMPLE, env, stdin: helloEvent('x'.repeat(65)) });
  assert.equal(run.code, 1, run.stderr);
  const payload = JSON.parse(run.stdout) as { errorMessage: string; trace: string[] };
  assert.equal(payload.errorMessage, 'name too long: 65 characters');
  assert.match(payload.trace.join('\n'), /hello-world\/greeting\.ts:2:/);
});

test('emu run <LogicalId> - --stream and emu bench <LogicalId> take the same function', async () => {
  const lines = [helloEvent('a'), helloEvent('b')].join('\n');
  const stream = await runEmu(['run', 'HelloWorldFunction', '-', '--stream', '--no-credentials'], { cwd: EXAMPLE, env, stdin: `${lines}\n` });
  assert.equal(stream.code, 0, stream.stderr);
  const bodies = stream.stdout.trim().split('\n').map((line) => (JSON.parse(JSON.parse(line).body as string) as { message: string }).message);
  assert.deepEqual(bodies, ['hello, a', 'hello, b']);

  const bench = await runEmu(['bench', 'HelloWorldFunction', '--runs', '1', '--modes', 'warm', '--json', '--no-credentials'], { cwd: EXAMPLE, env });
  assert.equal(bench.code, 0, bench.stderr);
  const report = JSON.parse(bench.stdout) as { measuredOn: { handler: string; memorySizeMb: number; timeoutSeconds: number }; build: { cacheHit: boolean } };
  assert.equal(report.measuredOn.handler, 'app.lambdaHandler');
  assert.equal(report.measuredOn.memorySizeMb, 256);
  assert.equal(report.measuredOn.timeoutSeconds, 5, 'Globals.Function.Timeout');
  assert.equal(report.build.cacheHit, true, 'built by the runs above');
});

test('emu serve --template answers the route with the built function', async () => {
  const serve = await startServe(['--template', path.join(EXAMPLE, 'template.yaml'), '--no-credentials'], { env });
  try {
    const response = await send(`${serve.url}/hello?name=browser`);
    assert.equal(response.status, 200, serve.stderr());
    assert.deepEqual(response.json(), { message: 'hello, browser', stage: 'local' });
  } finally {
    await serve.stop();
  }
});

test('two functions with one FunctionName (or a name that is another function’s logical id) stop every command at start-up, naming both', async () => {
  const dir = temporaryDir('emu-duplicate-names-');
  const fn = (id: string, name: string): string =>
    `  ${id}:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: ${name}\n      CodeUri: ${path.join(REPO_ROOT, 'test', 'fixtures')}\n      Handler: echo.handler\n      Runtime: nodejs20.x\n      Events:\n        Api:\n          Type: HttpApi\n          Properties: { Path: /${id}, Method: get }\n`;
  const shared = path.join(dir, 'shared.yaml');
  writeFileSync(shared, `Transform: AWS::Serverless-2016-10-31\nResources:\n${fn('OrdersFunction', 'orders')}${fn('UsersFunction', 'orders')}`);
  const crossed = path.join(dir, 'crossed.yaml');
  writeFileSync(crossed, `Transform: AWS::Serverless-2016-10-31\nResources:\n${fn('OrdersFunction', 'orders')}${fn('UsersFunction', 'OrdersFunction')}`);
  const cases = [
    [shared, /^emu: \S+shared\.yaml: functions OrdersFunction and UsersFunction have the same FunctionName 'orders'; give each its own\n$/],
    [crossed, /^emu: \S+crossed\.yaml: function UsersFunction has FunctionName 'OrdersFunction', the logical id of function OrdersFunction; a name must reach one function\n$/],
  ] as const;
  for (const [template, message] of cases) {
    const serve = await runEmu(['serve', '--template', template, '--port', '0', '--no-credentials'], { timeoutMs: 60_000 });
    assert.equal(serve.code, 2, serve.stderr);
    assert.match(serve.stderr, message);
    const run = await runEmu(['run', 'OrdersFunction', '--template', template, '--no-credentials'], { timeoutMs: 60_000 });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
  }
});
