// Property-based tests of the CLI's argument parsing: arbitrary argv for every command is either
// accepted or refused with a one-line usage error (exit 2), never anything else. The parsers run
// in-process for many cases; a bounded sample goes through the real CLI, which must exit 0, 1 or 2
// with no stack trace and leave no process behind.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseBenchOptions } from '../src/cli/bench-options.js';
import { runEventCommand } from '../src/cli/event-command.js';
import { parseRunOptions } from '../src/cli/run-options.js';
import { parseServeOptions } from '../src/cli/serve-options.js';
import { EmuError } from '../src/errors/emu-error.js';
import { eventCatalogue } from '../src/events/event-catalogue.js';
import { assertNoProcessLeft, isAlive, runEmu } from './helpers.js';

const DIR = mkdtempSync(path.join(tmpdir(), 'emu-cli-args-fuzz-'));
const EMPTY_DIR = path.join(DIR, 'empty');
mkdirSync(EMPTY_DIR);
after(() => rmSync(DIR, { recursive: true, force: true }));

const FUNCTION_FLAGS = ['cold', 'warm', 'timeout', 't', 'memory', 'm', 'code-dir', 'env', 'region', 'function-name', 'inspect', 'inspect-brk', 'role', 'r', 'profile', 'no-credentials', 'env-vars', 'env-file', 'layer', 'runtime', 'node', 'python'];
const FLAGS = {
  run: [...FUNCTION_FLAGS, 'context', 'verbose', 'v', 'json', 'help', 'h', 'stream', 'concurrency', 'c', 'summary'],
  serve: [...FUNCTION_FLAGS, 'template', 'host', 'port', 'p', 'concurrency', 'c', 'watch', 'json', 'parameter-overrides', 'payload-format', 'help', 'h'],
  bench: [...FUNCTION_FLAGS, 'runs', 'n', 'modes', 'concurrency', 'c', 'json', 'html', 'save-baseline', 'baseline', 'tolerance', 'duration-tolerance', 'max-memory', 'max-duration', 'verbose', 'v', 'help', 'h'],
  event: ['set', 'count', 'help', 'h', ...new Set(eventCatalogue.flatMap((entry) => entry.options.map((option) => option.flag.slice(2))))],
} as const;
type Command = keyof typeof FLAGS;

const VALUES = [
  '', '0', '1', '2', '3', '-1', '128', '900', '901', '10240', '10241', '65535', '65536', '99999999999999999999', '1e3', '0x10', ' 5 ', '1.5', '10%',
  'NaN', 'Infinity', 'abc', 'ünïcödé', '😀', '-', '--', '=', 'K=V', 'A=1', '=V', 'K=', '1A=x', 'a b', '\t', 'a\nb', 'cold', 'warm', 'cold,warm', ',', 'cold,,warm',
  '2.0', '1.0', '__proto__', 'constructor', 'toString', 'arn:aws:iam::123456789012:role/r', 'not-an-arn', '/nonexistent', '.', 'nope.handler', 'index.handler',
  'ParameterKey=A,ParameterValue=1', 's3', 'put', 'sqs', 'receive-message', 'list', 'Records[0].x=1', '__proto__.x=1', 'a..b=1', '{"a":1}', '[', 'null', '127.0.0.1', 'no-such-host.invalid',
];

/** One argv word or a flag with its value, as a user might type them, right or wrong. */
function token(flags: readonly string[], values: fc.Arbitrary<string>): fc.Arbitrary<string[]> {
  const flag = fc.constantFrom(...flags);
  const dash = (name: string): string => (name.length === 1 ? `-${name}` : `--${name}`);
  return fc.oneof(
    flag.map((name) => [dash(name)]),
    fc.tuple(flag, values).map(([name, value]) => [dash(name), value]),
    fc.tuple(flag, values).map(([name, value]) => [name.length === 1 ? `-${name}${value}` : `--${name}=${value}`]),
    values.map((value) => [value]),
    fc.constantFrom('--nope', '-z', '--Timeout', '---x', '--', '-', '--=x', '--__proto__', '--constructor', '-vh', '-tv').map((word) => [word]),
  );
}

const argvFor = (command: Command, values: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 6 }))): fc.Arbitrary<string[]> =>
  fc.array(token(FLAGS[command], values), { maxLength: 8 }).map((tokens) => tokens.flat());

function assertUsageError(error: unknown): void {
  if (!(error instanceof EmuError)) throw error; // a TypeError from emu itself: exit 3 and a stack trace
  assert.equal(error.kind, 'usage', error.message);
  assert.ok(error.message !== '' && !/[\r\n]/.test(error.message), `one line: ${JSON.stringify(error.message)}`);
}

const isCount = (value: unknown): boolean => value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0);

/** Parsed: accepted with sane numbers, or refused with a usage error. */
function checkParse(parse: () => Record<string, unknown> & { emulator?: Record<string, unknown> }): void {
  let options: ReturnType<typeof parse>;
  try {
    options = parse();
  } catch (error) {
    assertUsageError(error);
    return;
  }
  const functionOptions = (options.emulator ?? options.functionOptions) as Record<string, unknown> & { inspect?: { port?: number } };
  for (const value of [options.concurrency, options.port, options.runs, options.maxMemoryMb, functionOptions.timeoutSeconds, functionOptions.memoryMb, functionOptions.inspect?.port]) {
    assert.ok(isCount(value), `a whole number: ${String(value)}`);
  }
}

/** A stdout like `| head`: it goes away (EPIPE) after a while, as a user's pipe would. */
function pipeThatCloses(limitBytes: number): Writable & { text: () => string } {
  let written = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString();
      done(written.length > limitBytes ? Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }) : null);
    },
  });
  return Object.assign(stream, { text: () => written });
}

describe('argument parsers, in-process', () => {
  for (const [command, parse] of [['run', parseRunOptions], ['serve', parseServeOptions], ['bench', parseBenchOptions]] as const) {
    test(`emu ${command}: accepted, or a one-line usage error`, () => {
      fc.assert(
        fc.property(argvFor(command), (argv) => checkParse(() => parse(argv) as never)),
        { numRuns: 1500 },
      );
    });
  }

  test('emu event: exit 0, or exit 2 with one line on stderr and nothing on stdout', async () => {
    const sourceAndKind = fc.constantFrom<string[]>([], ['list'], ['s3'], ['s3', 'put'], ['sqs', 'receive-message'], ['apigateway', 'aws-proxy'], ['dynamodb', 'modify'], ['nope', 'x']);
    await fc.assert(
      fc.asyncProperty(sourceAndKind, argvFor('event'), async (positionals, argv) => {
        const stdout = pipeThatCloses(64 * 1024);
        const stderr = pipeThatCloses(Number.POSITIVE_INFINITY);
        const code = await runEventCommand([...positionals, ...argv], { stdout, stderr });
        if (code === 0) return;
        assert.equal(code, 2, stderr.text());
        assert.equal(stdout.text(), '');
        assert.match(stderr.text(), /^emu event: [^\n]+\n$/);
      }),
      { numRuns: 600 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Regression tests: each failure the properties found, shrunk.

describe('argument parser regressions', () => {
  test('a whole number too large to be exact is refused, not rounded', () => {
    assert.throws(() => parseRunOptions(['h', '-c', '99999999999999999999']), /^EmuError: --concurrency expects a whole number, got '99999999999999999999'$/);
    assert.throws(() => parseBenchOptions(['h', '--runs', '99999999999999999999']), /--runs expects a whole number/);
  });

  test("a line break in a user's argument is shown escaped: the message stays one line", () => {
    assert.throws(() => parseRunOptions(['h', 'e', 'a\nb']), (error: Error) => error.message === "unexpected argument 'a\\nb'");
    assert.throws(() => parseRunOptions(['--nope\nx']), (error: Error) => !error.message.includes('\n'));
  });

  test("emu event: a line break in a user's argument is shown escaped too", async () => {
    const stdout = pipeThatCloses(Number.POSITIVE_INFINITY);
    const stderr = pipeThatCloses(Number.POSITIVE_INFINITY);
    assert.equal(await runEventCommand(['s3', 'put', 'a\nb'], { stdout, stderr }), 2);
    assert.equal(stderr.text(), "emu event: unexpected argument 'a\\nb'\n");
  });
});

// ---------------------------------------------------------------------------------------------
// A bounded sample through the real CLI. Values that would start long or outside work are left
// out: valid role ARNs and profiles (STS), inspector ports, big counts, files outside DIR, and
// --env-file (Node 20 itself reads it from the script's arguments: README, known limits).

const SAFE_FLAGS: Record<Command, string[]> = {
  run: FLAGS.run.filter((flag) => !['inspect', 'inspect-brk', 'role', 'r', 'profile', 'env-file'].includes(flag)),
  serve: FLAGS.serve.filter((flag) => !['inspect', 'inspect-brk', 'role', 'r', 'profile', 'env-file'].includes(flag)),
  bench: FLAGS.bench.filter((flag) => !['inspect', 'inspect-brk', 'role', 'r', 'profile', 'env-file'].includes(flag)),
  event: [...FLAGS.event],
};
const FILE_VALUES = [path.join(DIR, 'out.json'), path.join(DIR, 'missing', 'x.json'), EMPTY_DIR, ''];
const SAFE_VALUES = VALUES.filter((value) => !['.', 'index.handler', 'arn:aws:iam::123456789012:role/r', '65535', '65536', '10240', '99999999999999999999', '900'].includes(value));
/** Appended so that whatever the fuzzed part says, the work stays small: last value wins. */
const SUFFIX: Record<Command, string[]> = { run: ['--code-dir', EMPTY_DIR], serve: ['--port', '0'], bench: ['--code-dir', EMPTY_DIR, '-n', '1', '--modes', 'warm'], event: [] };

const cliCase = fc.constantFrom<Command>('run', 'serve', 'bench', 'event').chain((command) =>
  fc.tuple(fc.constant(command), fc.array(token(SAFE_FLAGS[command], fc.constantFrom(...SAFE_VALUES, ...FILE_VALUES)), { maxLength: 6 })),
);

/** File-writing flags only ever get a path inside DIR. */
function confine(tokens: string[][]): string[] {
  return tokens.flatMap((words) => {
    const [first = '', value] = words;
    if (!/^--(summary|html|save-baseline)(=|$)/.test(first)) return words;
    const file = path.join(DIR, 'written.out');
    return first.includes('=') ? [`${first.split('=')[0]}=${file}`] : value === undefined ? [first] : [first, file];
  });
}

describe('the real CLI', () => {
  test('emu serve on an address it cannot listen on is a usage error (exit 2), not an internal one', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = String((busy.address() as AddressInfo).port);
    try {
      for (const [args, expected] of [
        [['--host', 'no-such-host.invalid', '--port', '0'], /^emu: cannot listen on no-such-host\.invalid port 0: unknown host \(getaddrinfo ENOTFOUND/],
        [['--host', '192.0.2.1', '--port', '0'], /^emu: cannot listen on 192\.0\.2\.1 port 0: the address is not one of this machine/],
        [['--port', busyPort], /^emu: cannot listen on 127\.0\.0\.1 port \d+: the port is in use/],
        [['--host', ''], /^emu: --host expects an address/],
      ] as const) {
        const { code, stdout, stderr } = await runEmu(['serve', 'nope.handler', '--code-dir', EMPTY_DIR, ...args]);
        assert.equal(code, 2, stderr);
        assert.equal(stdout, '');
        assert.match(stderr, expected);
        assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
      }
    } finally {
      busy.close();
    }
    assertNoProcessLeft();
  });

  test('a sample of fuzzed argv: exit 0, 1 or 2, no stack trace, nothing on stdout with exit 2, nothing left running', async () => {
    await fc.assert(
      fc.asyncProperty(cliCase, async ([command, tokens]) => {
        const argv = [command, ...confine(tokens), ...SUFFIX[command]];
        let pid = 0;
        let stoppedByTest = false;
        const run = runEmu(argv, { onSpawn: (spawned) => (pid = spawned) });
        // A server that started (or anything slow) is stopped as a user would: SIGTERM, then SIGKILL.
        const term = setTimeout(() => {
          stoppedByTest = true;
          if (isAlive(pid)) process.kill(pid, 'SIGTERM');
        }, 4000);
        const kill = setTimeout(() => isAlive(pid) && process.kill(pid, 'SIGKILL'), 15_000);
        const { code, stdout, stderr } = await run;
        clearTimeout(term);
        clearTimeout(kill);
        const context = `emu ${JSON.stringify(argv)}\n${stderr}`;
        const allowed = stoppedByTest ? [0, 1, 2, 130] : [0, 1, 2];
        assert.ok(code !== null && allowed.includes(code), `exit ${code}: ${context}`);
        assert.doesNotMatch(stderr, /^ {4}at /m, context);
        if (code === 2) {
          assert.equal(stdout, '', context);
          const lines = stderr.trimEnd().split('\n').filter((line) => !/^emu: (warning|skipped)/.test(line));
          assert.equal(lines.length, 1, context);
        }
        assertNoProcessLeft();
      }),
      { numRuns: 45 },
    );
  });
});
