// Runs the test suite: Node 20's `node --test` finds no .ts files in a folder, so the list is explicit,
// and an empty or stale list fails instead of passing with nothing tested, as does a test file
// in test/ that the list forgot (it would otherwise never run).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TEST_FILES = [
  'test/architecture.test.ts',
  'test/unit-router.test.ts',
  'test/unit-rest-event.test.ts',
  'test/unit-http-api-event.test.ts',
  'test/unit-gateway-responses.test.ts',
  'test/unit-body-encoding.test.ts',
  'test/unit-intrinsics.test.ts',
  'test/unit-ndjson-lines.test.ts',
  'test/unit-request-id.test.ts',
  'test/unit-kernel-random.test.ts',
  'test/unit-line-tagger.test.ts',
  'test/unit-billing.test.ts',
  'test/unit-log-histogram.test.ts',
  'test/unit-bench-statistics.test.ts',
  'test/unit-failure-payloads.test.ts',
  'test/runtime-api.test.ts',
  'test/runtime-api-fuzz.test.ts',
  'test/runtime-api-lean.test.ts',
  'test/runtime-api-rie.test.ts',
  'test/fake-runtimes.test.ts',
  'test/emulator-results.test.ts',
  'test/emulator-failures.test.ts',
  'test/init-limit-race.test.ts',
  'test/process-kill.test.ts',
  'test/process-starter.test.ts',
  'test/early-start.test.ts',
  'test/emulator-memory.test.ts',
  'test/peak-rss.test.ts',
  'test/handler-loading.test.ts',
  'test/cli-run.test.ts',
  'test/cli-signals.test.ts',
  'test/cli-back-pressure.test.ts',
  'test/function-options.test.ts',
  'test/logging-config.test.ts',
  'test/credentials.test.ts',
  'test/env-files.test.ts',
  'test/layers.test.ts',
  'test/events.test.ts',
  'test/events-types.test.ts',
  'test/stream.test.ts',
  'test/stream-summary.test.ts',
  'test/remote-invoke.test.ts',
  'test/remote-compare.test.ts',
  'test/remote-interrupt.test.ts',
  'test/streaming.test.ts',
  'test/streaming-cli.test.ts',
  'test/streaming-ric.test.ts',
  'test/streaming-bench-cli.test.ts',
  'test/streaming-invoke-qualifiers.test.ts',
  'test/ndjson-fuzz.test.ts',
  'test/bench.test.ts',
  'test/template.test.ts',
  'test/template-fuzz.test.ts',
  'test/build.test.ts',
  'test/build-sam.test.ts',
  'test/build-watch.test.ts',
  'test/build-cli.test.ts',
  'test/build-cli-flags.test.ts',
  'test/template-run.test.ts',
  'test/esm-layers.test.ts',
  'test/custom-runtime.test.ts',
  'test/node-runtimes.test.ts',
  'test/ric-conformance.test.ts',
  'test/ric-parity.test.ts',
  'test/python-runtime.test.ts',
  'test/python-cli.test.ts',
  'test/cli-args-fuzz.test.ts',
  'test/serve-router.test.ts',
  'test/serve.test.ts',
  'test/serve-limits.test.ts',
  'test/serve-encoding.test.ts',
  'test/serve-template.test.ts',
  'test/serve-invoke.test.ts',
  'test/serve-watch.test.ts',
  'test/serve-cors.test.ts',
  'test/browser-cors.test.ts',
  'test/serve-apis.test.ts',
  'test/serve-authorizers.test.ts',
  'test/streaming-serve.test.ts',
  'test/serve-fuzz.test.ts',
  'test/serve-load.test.ts',
  'test/fault-matrix.test.ts',
  'test/sandbox-lifecycle.test.ts',
];

const missing = TEST_FILES.filter((file) => !existsSync(file));
const unlisted = readdirSync('test')
  .filter((name) => name.endsWith('.test.ts') || name.endsWith('.test.mjs'))
  .map((name) => `test/${name}`)
  .filter((file) => !TEST_FILES.includes(file));
if (TEST_FILES.length === 0 || missing.length > 0 || unlisted.length > 0) {
  if (TEST_FILES.length === 0) console.error('no test files listed');
  if (missing.length > 0) console.error(`listed test files not found: ${missing.join(', ')}`);
  if (unlisted.length > 0) console.error(`test files not in the list of test/run-tests.mjs (they would never run): ${unlisted.join(', ')}`);
  process.exit(1);
}
const only = process.argv.slice(2);
const files = only.length > 0 ? TEST_FILES.filter((file) => only.some((name) => file.includes(name))) : TEST_FILES;
if (files.length === 0) {
  console.error(`no test file matches ${only.join(' ')}`);
  process.exit(1);
}
// The suite's emu runs remember their early starts (bin/early-start.cjs) in a cache of their own,
// not in the developer's ~/.cache/emu, whose entries they would push out; tests that install Node
// versions give their own cache folder already.
const cache = mkdtempSync(path.join(tmpdir(), 'emu-test-cache-'));
const suiteEnv = { ...process.env, XDG_CACHE_HOME: cache };
const finish = (code) => {
  rmSync(cache, { recursive: true, force: true });
  process.exit(code);
};
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env: suiteEnv });
if (result.status !== 0) finish(result.status ?? 1);

// Where the vfork starter is built, the whole suite ran on it. The execa starter is what a machine
// without a C compiler (or not Linux) gets: the files that exercise a sandbox's whole lifecycle run
// again on it (the full run only; EMU_PROCESS_STARTER=execa node test/run-tests.mjs runs all on it).
const LIFECYCLE_FILES = ['test/process-kill.test.ts', 'test/sandbox-lifecycle.test.ts', 'test/emulator-failures.test.ts', 'test/custom-runtime.test.ts', 'test/cli-signals.test.ts'];
if (only.length === 0 && process.env.EMU_PROCESS_STARTER !== 'execa') {
  console.log('# again, with sandboxes started by the execa starter (EMU_PROCESS_STARTER=execa)');
  const fallback = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...LIFECYCLE_FILES], {
    stdio: 'inherit',
    env: { ...suiteEnv, EMU_PROCESS_STARTER: 'execa' },
  });
  finish(fallback.status ?? 1);
}
finish(0);
