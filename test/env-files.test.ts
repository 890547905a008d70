// The function's environment from --env-vars (SAM's format or flat JSON), --env-file (dotenv) and
// --env, in the documented precedence; AWS's reserved variables and 4 KB limit.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ENV_LIMIT_BYTES, parseDotenv, readDotenvFile, parseEnvVars, readEnvVarsFile, resolveFunctionEnvironment, sizeWarning } from '../src/config/index.js';
import { EmuError } from '../src/errors/emu-error.js';
import { FIXTURES, runEmu, type CliRun } from './helpers.js';

const IDENTITY = path.join(FIXTURES, 'identity');
const ENV_DIR = path.join(IDENTITY, 'env');
const scratch = mkdtempSync(path.join(tmpdir(), 'emu-env-files-'));

function file(name: string, content: string): string {
  const full = path.join(scratch, name);
  writeFileSync(full, content);
  return full;
}

function usage(pattern: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof EmuError && error.kind === 'usage' && !error.message.includes('\n') && pattern.test(error.message);
}

describe('dotenv files (--env-file)', () => {
  test('KEY=value lines, export, comments, quotes, escapes and multi-line values', () => {
    const env = parseDotenv(
      [
        '# comment',
        '',
        'export FROM_DOTENV=dotenv',
        'SHARED="from the env file" # a comment after a quoted value',
        'MULTILINE="line one',
        'line two"',
        'ESCAPED="tab\\there"',
        "LITERAL='no \\n escapes'",
        'UNQUOTED = spaced value # trailing comment',
        'HASH=a#b',
        'EMPTY=',
        'URL=https://example.com/?a=1&b=2',
      ].join('\r\n'),
      'app.env',
    );
    assert.deepEqual(env, {
      FROM_DOTENV: 'dotenv',
      SHARED: 'from the env file',
      MULTILINE: 'line one\nline two',
      ESCAPED: 'tab\there',
      LITERAL: 'no \\n escapes',
      UNQUOTED: 'spaced value',
      HASH: 'a#b',
      EMPTY: '',
      URL: 'https://example.com/?a=1&b=2',
    });
  });

  test('a malformed line is refused with its file and line number, not skipped', () => {
    assert.throws(() => parseDotenv('A=1\nnot a variable\n', 'app.env'), usage(/^app\.env:2: expected KEY=VALUE, got 'not a variable'$/));
    assert.throws(() => parseDotenv('A="never closed\nB=2\n', 'app.env'), usage(/^app\.env:1: the value's " quote is never closed$/));
    assert.throws(() => parseDotenv('A="x" y\n', 'app.env'), usage(/^app\.env:1: unexpected text after the closing "/));
    assert.throws(() => parseDotenv('1A=x\n', 'app.env'), usage(/^app\.env:1: expected KEY=VALUE/));
  });

  test('a file that cannot be read is a one-line usage error', async () => {
    await assert.rejects(readDotenvFile(path.join(scratch, 'missing.env')), usage(/^cannot read env file .*missing\.env \(ENOENT\)$/));
    await assert.rejects(readDotenvFile(scratch), usage(/^cannot read env file .* \(EISDIR\)$/));
  });
});

describe('--env-vars files', () => {
  test("SAM's format: function blocks and Parameters, values stringified as SAM does", async () => {
    const parsed = await readEnvVarsFile(path.join(ENV_DIR, 'sam.json'));
    assert.equal(parsed.shape, 'sam');
    assert.deepEqual(parsed.parameters, { FROM_PARAMETERS: 'parameters', SHARED: 'from Parameters' });
    assert.deepEqual(parsed.functions.whoami, { FROM_BLOCK: 'block', SHARED: 'from the function block', COUNT: '3', ENABLED: 'true', UNRESOLVED: '' });
  });

  test('a flat {"KEY": "value"} object', async () => {
    const parsed = await readEnvVarsFile(path.join(ENV_DIR, 'flat.json'));
    assert.equal(parsed.shape, 'flat');
    assert.deepEqual(parsed.flat, { FLAT: 'flat', SHARED: 'from the flat file' });
  });

  test('a missing, malformed or mixed file is a one-line usage error', async () => {
    await assert.rejects(readEnvVarsFile(path.join(scratch, 'nope.json')), usage(/^cannot read --env-vars file .*nope\.json \(ENOENT\)$/));
    await assert.rejects(readEnvVarsFile(file('bad.json', '{"A": ')), usage(/^--env-vars file .*bad\.json is not valid JSON: /));
    assert.throws(() => parseEnvVars([1, 2], 'list.json'), usage(/must hold a JSON object/));
    assert.throws(() => parseEnvVars({ Fn: { A: '1' }, B: '2' }, 'mixed.json'), usage(/mixes SAM's \{"Function": \{\.\.\.\}\} blocks with a top-level variable 'B'/));
    assert.throws(() => parseEnvVars({ 'NOT-VALID': '1' }, 'keys.json'), usage(/'NOT-VALID' is not a valid environment variable name/));
  });
});

describe('precedence', () => {
  test('template < Parameters < function block < --env-file (in order) < --env', async () => {
    const first = file('first.env', 'SHARED=first env file\nFIRST_ONLY=1\nLAYERED=first\n');
    const second = file('second.env', 'LAYERED=second\n');
    const base = { template: { SHARED: 'template', FROM_TEMPLATE: 'template' }, functionKeys: ['whoami'] };
    const sources = [
      { expected: 'template', extra: {} },
      { expected: 'from Parameters', extra: { envVarsFile: file('params.json', '{"Parameters": {"SHARED": "from Parameters"}}') } },
      { expected: 'from the function block', extra: { envVarsFile: path.join(ENV_DIR, 'sam.json') } },
      { expected: 'first env file', extra: { envVarsFile: path.join(ENV_DIR, 'sam.json'), envFiles: [first, second] } },
      { expected: 'from --env', extra: { envVarsFile: path.join(ENV_DIR, 'sam.json'), envFiles: [first, second], pairs: { SHARED: 'from --env' } } },
    ];
    for (const { expected, extra } of sources) {
      const { env } = await resolveFunctionEnvironment({ ...base, ...extra });
      assert.equal(env.SHARED, expected);
      assert.equal(env.FROM_TEMPLATE, 'template', 'a lower source keeps the keys nobody overrides');
    }
    const { env } = await resolveFunctionEnvironment({ ...base, envFiles: [first, second] });
    assert.equal(env.LAYERED, 'second', 'a later --env-file wins');
    assert.equal(env.FIRST_ONLY, '1');
  });

  test('keys the template does not declare are applied, with one notice; without a template, no notice', async () => {
    const withTemplate = await resolveFunctionEnvironment({ template: { FROM_BLOCK: 'x' }, envVarsFile: path.join(ENV_DIR, 'sam.json'), functionKeys: ['whoami'] });
    assert.equal(withTemplate.env.FROM_PARAMETERS, 'parameters');
    assert.deepEqual(withTemplate.notices, ['FROM_PARAMETERS, SHARED, COUNT, ENABLED, UNRESOLVED are not declared in the template; applied anyway (sam local would ignore them)']);
    const without = await resolveFunctionEnvironment({ envVarsFile: path.join(ENV_DIR, 'sam.json'), functionKeys: ['whoami'] });
    assert.deepEqual(without.notices, []);
  });

  test("a SAM file without a block for this function says so, and applies its Parameters", async () => {
    const { env, notices } = await resolveFunctionEnvironment({ envVarsFile: path.join(ENV_DIR, 'sam.json'), functionKeys: ['billing'] });
    assert.deepEqual(env, { FROM_PARAMETERS: 'parameters', SHARED: 'from Parameters' });
    assert.equal(notices.length, 1);
    assert.match(notices[0] as string, /has no block for 'billing' \(it has whoami, OtherFunction\); only its Parameters apply$/);
  });
});

describe("AWS's 4 KB limit", () => {
  test('passing 4 KB (as JSON) is a warning; reserved keys do not count', () => {
    const atLimit = { BIG: 'x'.repeat(ENV_LIMIT_BYTES - '{"BIG":""}'.length) };
    assert.equal(sizeWarning(atLimit), undefined);
    assert.match(sizeWarning({ ...atLimit, B: '' }) as string, /^the function's environment variables take 4103 bytes, over AWS's 4 KB limit/);
    assert.equal(sizeWarning({ ...atLimit, AWS_REGION: 'eu-west-1' }), undefined);
  });
});

describe('emu run with env files (CLI)', () => {
  const emu = (args: string[]): Promise<CliRun> => runEmu(args);

  test('--env-vars, --env-file and --env reach the handler in precedence order; reserved keys are refused with a warning', async () => {
    const names = ['FROM_PARAMETERS', 'FROM_BLOCK', 'FROM_DOTENV', 'SHARED', 'MULTILINE', 'ONLY_FLAG', 'AWS_REGION'];
    const event = file('names.json', JSON.stringify({ names }));
    const reserved = file('reserved.env', 'AWS_REGION=mars-north-1\n');
    const run = await emu(['run', 'whoami.handler', event, '--code-dir', IDENTITY, '--env-vars', path.join(ENV_DIR, 'sam.json'), '--env-file', path.join(ENV_DIR, 'app.env'), '--env-file', reserved, '--env', 'ONLY_FLAG=flag']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((JSON.parse(run.stdout) as { vars: unknown }).vars, {
      FROM_PARAMETERS: 'parameters',
      FROM_BLOCK: 'block',
      FROM_DOTENV: 'dotenv',
      SHARED: 'from the env file',
      MULTILINE: 'line one\nline two',
      ONLY_FLAG: 'flag',
      AWS_REGION: 'us-east-1',
    });
    assert.match(run.stderr, /^emu: warning: AWS_REGION is reserved by AWS Lambda and cannot be set; ignored$/m);
  });

  test('over 4 KB is a warning, and the function still runs', async () => {
    const big = file('big.env', `BIG=${'x'.repeat(5000)}\n`);
    const run = await emu(['run', 'whoami.handler', '--code-dir', IDENTITY, '--env-file', big]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^emu: warning: the function's environment variables take 5010 bytes, over AWS's 4 KB limit/m);
  });

  test('a missing or malformed env file is a one-line usage error, before any sandbox starts', async () => {
    // Node itself checks every `--env-file X` in its argv, even after the script (nodejs/node#54232):
    // for a missing file it exits 9 with "node: X: not found" before emu runs. Still one line, still a failure.
    const missing = await emu(['run', 'whoami.handler', '--code-dir', IDENTITY, '--env-file', path.join(scratch, 'missing.env')]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /^(emu: cannot read env file |\S*node: ).*missing\.env(: not found| \(ENOENT\))\n$/);
    const badLine = await emu(['run', 'whoami.handler', '--code-dir', IDENTITY, '--env-file', file('bad-line.env', 'A=1\noops\n')]);
    assert.equal(badLine.code, 2);
    assert.match(badLine.stderr, /^emu: .*bad-line\.env:2: expected KEY=VALUE, got 'oops'\n$/);
    const malformed = await emu(['run', 'whoami.handler', '--code-dir', IDENTITY, '--env-vars', file('broken.json', '{')]);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /^emu: --env-vars file .*broken\.json is not valid JSON: .*\n$/);
    assert.equal(malformed.stdout, '');
  });
});
