// Property-based tests of the SAM template reader: generated templates (valid, mutated, with
// wrong shapes and unknown tags) and arbitrary text either read into a well-formed result or fail
// with emu's own one-line usage error naming the file (and the line, for YAML and tag errors).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { EmuError } from '../src/errors/emu-error.js';
import { parseCfnYaml, readSamTemplate, type SamTemplate } from '../src/template/index.js';
import { assertNoProcessLeft, runEmu } from './helpers.js';

const DIR = mkdtempSync(path.join(tmpdir(), 'emu-template-fuzz-'));
after(() => rmSync(DIR, { recursive: true, force: true }));
const FILE = path.join(DIR, 'template.yaml');

// ---------------------------------------------------------------------------------------------
// Templates as data, rendered to YAML text (block style outside, flow style inside tags).

class Tagged {
  constructor(
    readonly tag: string,
    readonly value: unknown,
  ) {}
}

const KNOWN_TAGS = ['!Ref', '!Sub', '!GetAtt', '!Join', '!Select', '!Split', '!FindInMap', '!If', '!Equals', '!And', '!Or', '!Not', '!Condition', '!Base64', '!GetAZs', '!ImportValue'];
const NAMES = ['P', 'Stage', 'List', 'C', 'C2', 'F', 'G', 'MyApi', 'Map', 'AWS::NoValue', 'AWS::Region', 'AWS::StackName', 'AWS::NotificationARNs', '__proto__', 'constructor', 'toString', 'F.Arn', 'G.Arn', 'X.Y.Z', ''];
const WORDS = [
  ...NAMES,
  'index.handler', 'echo.handler', 'nodejs20.x', 'nodejs18.x', 'python3.12', '.', 'api/', 's3://bucket/key', '${P}', '${F.Arn}-${AWS::Region}', '${!Literal}', '${',
  '/items/{id}', '/{proxy+}', 'items', 'GET', 'any', 'x-amazon-apigateway-any-method', '1.0', '2.0', 'arn:aws:iam::123456789012:role/r', 'image~1png', 'AWS_IAM', 'Image', ',', 'a,b,c',
];

const word = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...WORDS) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
const leaf = fc.oneof(word, fc.integer({ min: -5, max: 20_000 }), fc.double(), fc.boolean(), fc.constant(null));
const tagName = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...KNOWN_TAGS) }, { weight: 1, arbitrary: fc.constantFrom('!Bogus', '!ref', '!Fn::Sub', '!!binary', '!!str', '!!int') });
const { value: anyValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...NAMES, 'Variables', 'Properties', 'Type', 'Default'), tie('value'), { maxKeys: 4 }),
    fc.tuple(tagName, tie('value')).map(([tag, value]) => new Tagged(tag, value)),
  ),
}));

/** A plausible value for a slot, or anything at all. */
const slot = (good: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: anyValue });
const ref = (names: string[]): fc.Arbitrary<unknown> => fc.constantFrom(...names).map((name) => new Tagged('!Ref', name));

const eventSpec = fc.record(
  {
    Type: slot(fc.constantFrom('Api', 'HttpApi', 'SQS')),
    Properties: slot(fc.record({ Path: slot(fc.constantFrom('/items/{id}', '/{proxy+}', 'x')), Method: slot(fc.constantFrom('get', 'ANY', 'POST')), ApiId: slot(ref(['MyApi'])), PayloadFormatVersion: slot(fc.constantFrom('1.0', '2.0')) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);

const functionProperties = fc.record(
  {
    Handler: slot(fc.constantFrom('index.handler', 'src/a.b')),
    Runtime: slot(fc.constantFrom('nodejs20.x', 'python3.12')),
    CodeUri: slot(fc.constantFrom('.', 'api/', 's3://b/k')),
    MemorySize: slot(fc.oneof(fc.integer({ min: 128, max: 10240 }), ref(['P']))),
    Timeout: slot(fc.oneof(fc.integer({ min: 1, max: 900 }), ref(['P']))),
    FunctionName: slot(fc.oneof(fc.constant(new Tagged('!Sub', '${AWS::StackName}-${P}')), ref(['F', 'G', 'P']))),
    Environment: slot(fc.record({ Variables: slot(fc.dictionary(fc.constantFrom('A', 'B', 'STAGE'), anyValue, { maxKeys: 3 })) })),
    Events: slot(fc.dictionary(fc.constantFrom('Get', 'Post', 'Queue'), eventSpec, { maxKeys: 3 })),
    Layers: slot(fc.array(ref(['Layer', 'F']), { maxLength: 2 })),
    Role: slot(fc.constantFrom('arn:aws:iam::123456789012:role/r', 'not-an-arn')),
    FunctionUrlConfig: slot(fc.record({ AuthType: fc.constantFrom('NONE', 'AWS_IAM') })),
  },
  { requiredKeys: [] },
);

const resource = fc.record(
  {
    Type: slot(fc.constantFrom('AWS::Serverless::Function', 'AWS::Serverless::Function', 'AWS::Serverless::Api', 'AWS::Serverless::HttpApi', 'AWS::Serverless::LayerVersion', 'AWS::S3::Bucket')),
    Condition: slot(fc.constantFrom('C', 'C2', 'Missing')),
    Properties: slot(functionProperties),
  },
  { requiredKeys: ['Type'] },
);

const conditionBody = fc.oneof(
  fc.constant(new Tagged('!Equals', [new Tagged('!Ref', 'P'), 'dev'])),
  fc.constantFrom('C', 'C2').map((name) => new Tagged('!Condition', name)),
  fc.constantFrom('C', 'C2').map((name) => new Tagged('!Not', [new Tagged('!Condition', name)])),
  anyValue,
);

const template = fc.record(
  {
    Transform: fc.constantFrom('AWS::Serverless-2016-10-31', 'Other'),
    Parameters: slot(fc.dictionary(fc.constantFrom('P', 'Stage', 'List', '__proto__'), fc.record({ Type: slot(fc.constantFrom('String', 'CommaDelimitedList', 'List<Number>')), Default: anyValue }, { requiredKeys: [] }), { maxKeys: 3 })),
    Conditions: slot(fc.dictionary(fc.constantFrom('C', 'C2', 'constructor'), conditionBody, { maxKeys: 3 })),
    Mappings: slot(fc.constant({ Map: { dev: { Size: 256 } } })),
    Globals: slot(fc.record({ Function: slot(functionProperties), Api: slot(fc.record({ BinaryMediaTypes: slot(fc.constant(['image~1png'])) })) }, { requiredKeys: [] })),
    Resources: slot(fc.dictionary(fc.constantFrom('F', 'G', 'MyApi', 'Layer', 'Bucket', '__proto__'), resource, { minKeys: 1, maxKeys: 4 })),
  },
  { requiredKeys: ['Resources'] },
);

function flow(value: unknown): string {
  if (value instanceof Tagged) return `${value.tag} ${flow(value.value)}`;
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${flow(item)}`).join(', ')}}`;
  if (typeof value === 'number') return Number.isNaN(value) ? '.nan' : Number.isFinite(value) ? String(value) : value > 0 ? '.inf' : '-.inf';
  return value === null ? 'null' : typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function isBlock(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !(value instanceof Tagged) && Object.keys(value).length > 0;
}

/** Block style for maps and lists (so that line and indentation mutations mean something), flow inside. */
function block(value: unknown, indent = ''): string[] {
  const lines: string[] = [];
  const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((item) => ['-', item]) : Object.entries(value as object).map(([key, item]) => [`${JSON.stringify(key)}:`, item]);
  for (const [lead, item] of entries) {
    if (isBlock(item)) lines.push(`${indent}${lead}`, ...block(item, `${indent}  `));
    else lines.push(`${indent}${lead} ${flow(item)}`);
  }
  return lines;
}

const render = (data: Record<string, unknown>): string => `${block(data).join('\n')}\n`;

// ---------------------------------------------------------------------------------------------
// Text mutations.

const SNIPPETS = ['[', ']', '{', '}', '"', "'", '\t', ': ', '- ', '!Bogus ', '!Ref', '*a ', '&a ', '\n', '  ', '---\n', '%TAG ! x\n', '? ', '|', '>', '#', '@', '`', ',', '\u0000', '\uFEFF', '😀', '\r'];

type Mutation = (text: string) => string;
const at = (text: string, n: number): number => n % (text.length + 1);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant((text: string) => text),
  fc.nat().map((n) => (text: string) => text.slice(0, at(text, n))),
  fc.tuple(fc.nat(), fc.constantFrom(...SNIPPETS)).map(([n, snippet]) => (text: string) => text.slice(0, at(text, n)) + snippet + text.slice(at(text, n))),
  fc.tuple(fc.nat(), fc.nat({ max: 20 })).map(([n, length]) => (text: string) => text.slice(0, at(text, n)) + text.slice(at(text, n) + length)),
  fc.tuple(fc.nat(), fc.constantFrom('\t', ' ', '   ', '\t  ')).map(([n, indent]) => (text: string) => {
    const lines = text.split('\n');
    const index = n % lines.length;
    lines[index] = indent + (lines[index] ?? '').trimStart();
    return lines.join('\n');
  }),
  fc.nat().map((n) => (text: string) => {
    const lines = text.split('\n');
    lines.splice(n % lines.length, 0, lines[n % lines.length] ?? ''); // duplicate keys, mostly
    return lines.join('\n');
  }),
);

// ---------------------------------------------------------------------------------------------
// What counts as a good outcome.

type Outcome = { ok: true; template: SamTemplate } | { ok: false; error: EmuError };

function read(text: string): Outcome {
  writeFileSync(FILE, text);
  const started = performance.now();
  try {
    return { ok: true, template: readSamTemplate(FILE) };
  } catch (error) {
    if (!(error instanceof EmuError)) throw error; // a TypeError, RangeError…: the bug this test is for
    return { ok: false, error };
  } finally {
    assert.ok(performance.now() - started < 5000, 'reading a small template never takes seconds');
  }
}

function parses(text: string): boolean {
  try {
    parseCfnYaml(text, 'x.yaml');
    return true;
  } catch {
    return false;
  }
}

function assertUsageError(error: EmuError, file: string): void {
  assert.equal(error.kind, 'usage', error.message);
  assert.ok(!error.message.includes('\n'), `one line: ${JSON.stringify(error.message)}`);
  assert.ok(error.message.startsWith(`${file}: `), `names the file: ${error.message}`);
  if (/not valid YAML|unknown tag|alias/.test(error.message)) assert.match(error.message, /\bline \d+\b/, 'names the line');
}

function assertWellFormed(result: SamTemplate): void {
  assert.doesNotThrow(() => JSON.stringify(result));
  for (const text of [...result.skipped, ...result.warnings]) assert.equal(typeof text, 'string');
  for (const fn of result.functions) {
    assert.ok(typeof fn.logicalId === 'string' && fn.logicalId !== '');
    assert.equal(typeof fn.functionName, 'string');
    assert.ok(path.isAbsolute(fn.codeDir), fn.codeDir);
    assert.ok(typeof fn.handler === 'string' && fn.handler !== '');
    assert.match(fn.runtime, /^(nodejs\d+\.x|python3\.\d+|provided(\.al2|\.al2023)?)$/, 'a runtime emu runs');
    for (const number of [fn.memoryMb, fn.timeoutSeconds]) assert.ok(number === undefined || Number.isFinite(number), `a number: ${number}`);
    assert.ok(Object.values(fn.env).every((value) => typeof value === 'string'));
    assert.equal(Object.getPrototypeOf(fn.env), Object.prototype);
    assert.equal(typeof fn.functionUrl, 'boolean');
    assert.ok(fn.layers.every((layer) => path.isAbsolute(layer)));
    for (const route of fn.routes) {
      assert.ok(route.path === '$default' || route.path.startsWith('/'), route.path);
      assert.ok(['1.0', '2.0'].includes(route.payloadFormat) && ['rest', 'http'].includes(route.api));
      assert.ok(typeof route.method === 'string' && typeof route.stage === 'string');
      assert.ok(route.binaryMediaTypes.every((type) => typeof type === 'string'));
    }
  }
}

function assertGoodOutcome(outcome: Outcome): void {
  if (outcome.ok) assertWellFormed(outcome.template);
  else assertUsageError(outcome.error, FILE);
}

// ---------------------------------------------------------------------------------------------

describe('template reader properties', () => {
  test('generated templates, mutated or not: a well-formed result or a one-line usage error naming the file', () => {
    fc.assert(
      fc.property(template, mutation, (data, mutate) => assertGoodOutcome(read(mutate(render(data))))),
      { numRuns: 600 },
    );
  });

  test('an unknown tag anywhere is an error naming its line', () => {
    const unknown = fc.stringMatching(/^![A-Za-z][A-Za-z0-9]{0,8}$/).filter((tag) => !KNOWN_TAGS.includes(tag));
    fc.assert(
      fc.property(template, fc.nat(), unknown, (data, n, tag) => {
        const text = render(data);
        fc.pre(parses(text)); // its own tags are all known
        const lines = text.trimEnd().split('\n');
        const index = n % lines.length;
        const line = lines[index] as string;
        const colon = line.indexOf('": ');
        const dash = /^ *- /.exec(line);
        const cut = colon >= 0 ? colon + 3 : dash !== null ? dash[0].length : line.endsWith(':') ? line.length : -1;
        fc.pre(cut >= 0);
        lines[index] = `${line.slice(0, cut)}${cut === line.length ? ' ' : ''}${tag} ${line.slice(cut)}`;
        const outcome = read(`${lines.join('\n')}\n`);
        assert.ok(!outcome.ok, `${tag} accepted`);
        assertUsageError(outcome.error, FILE);
        // A second tag on a node that had one is a YAML error, at the same line.
        assert.match(outcome.error.message, new RegExp(`(unknown tag ${tag}|not valid YAML) at line ${index + 1}\\b`));
      }),
      { numRuns: 200 },
    );
  });

  test('arbitrary text: parsed, or a usage error naming the file and the line', () => {
    const yamlish = fc.array(fc.constantFrom(...SNIPPETS, 'a', 'b: 1', '&x', '*x', '!Ref', '!!str', '0', ' '), { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(yamlish, fc.string({ unit: 'binary', maxLength: 60 })), (text) => {
        try {
          JSON.stringify(parseCfnYaml(text, 'x.yaml'));
        } catch (error) {
          if (!(error instanceof EmuError)) throw error;
          assertUsageError(error, 'x.yaml');
        }
        assertGoodOutcome(read(text));
      }),
      { numRuns: 600 },
    );
  });

  test('deep nesting within reason: read, or a usage error; never a RangeError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1500 }), fc.constantFrom('[', '{a: ', '- '), (depth, open) => {
        const close = open === '[' ? ']' : open === '{a: ' ? '}' : '';
        const nested = open === '- ' ? Array.from({ length: depth }, (_, i) => `        ${'  '.repeat(i)}- `).join('\n') + 'x' : open.repeat(depth) + '1' + close.repeat(depth);
        assertGoodOutcome(read(`Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: i.h\n      Runtime: nodejs20.x\n      Tags: ${open === '- ' ? '\n' : ''}${nested}\n`));
      }),
      { numRuns: 40 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Regression tests: each failure the properties found, shrunk.

const FUNCTION = (properties: string): string => `Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: i.h, Runtime: nodejs20.x${properties}}\n`;

function readError(text: string): string {
  const outcome = read(text);
  assert.ok(!outcome.ok, 'refused');
  assertUsageError(outcome.error, FILE);
  return outcome.error.message.slice(FILE.length + 2);
}

describe('template reader regressions', () => {
  test('a YAML syntax error names its line and column', () => {
    assert.equal(readError('a: 1\nb: [1, 2\nc: 3\n'), 'not valid YAML at line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]');
    assert.match(readError('a:\n\tb: 1\n'), /^not valid YAML at line 2, column 1: Tabs are not allowed/);
  });

  test('an unknown tag is refused at its line, not turned into Fn::Bogus', () => {
    assert.match(readError('a: 1\nb:\n  - !Bogus x\n'), /^unknown tag !Bogus at line 3, column 5 \(CloudFormation's are !Ref, /);
    assert.match(readError('a: !!bogus 1\n'), /^unknown tag !!bogus at line 1/);
    assert.deepEqual(parseCfnYaml('a: ! x\nb: !!str 1\n', 'f.yaml'), { a: 'x', b: '1' }, "the non-specific tag ! and YAML's own tags are plain values");
  });

  test('an alias to itself, an undefined alias and an alias bomb are errors, not a stack overflow, null or a hang', () => {
    assert.match(readError('a: &x [*x]\n'), /^alias \*x at line 1, column \d+ refers to itself$/);
    assert.match(readError('a: 1\nb: *nope\n'), /^alias \*nope at line 2, column 4 has no anchor$/);
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) levels.push(`${'abcdefghijkl'[i]}: &${'abcdefghijkl'[i]} [${Array(10).fill(`*${'abcdefghijkl'[i - 1]}`).join(', ')}]`);
    const started = performance.now();
    assert.match(readError(`${levels.join('\n')}\n`), /^aliases expand to more than \d+ values \(at line \d+, column \d+\)$/);
    assert.ok(performance.now() - started < 2000);
    assert.deepEqual(parseCfnYaml('a: &x {k: 1}\nb: [*x, *x]\n', 'f.yaml'), { a: { k: 1 }, b: [{ k: 1 }, { k: 1 }] }, 'ordinary aliases still work');
  });

  test('a __proto__ key is an ordinary key, kept, not the prototype', () => {
    const data = parseCfnYaml('__proto__: {Polluted: 1}\nb: 2\n', 'f.yaml') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
    assert.deepEqual(Object.keys(data), ['__proto__', 'b']);
    assert.equal(({} as Record<string, unknown>).Polluted, undefined);
  });

  test('Conditions that refer to each other are an error naming the condition', () => {
    const text = `Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\n${FUNCTION('')}    Condition: A\n`;
    assert.equal(readError(text), "condition 'A' depends on itself");
  });

  test('Fn::Sub with variables that are not a map leaves the Sub unresolved instead of throwing', () => {
    const result = read(FUNCTION(', Environment: {Variables: {A: !Sub ["${x}", str], B: !Sub ["${x}", !Ref AWS::NoValue]}}'));
    assert.ok(result.ok);
    assert.deepEqual(result.template.functions[0]?.env, { A: '', B: '' });
  });

  test('a parameter without Default names the file', () => {
    assert.equal(readError(`Parameters: {P: {Type: String}}\n${FUNCTION('')}`), "parameter 'P' has no Default: give it with --parameter-overrides P=VALUE");
  });

  test('a MemorySize or Timeout that is not a number skips the function with the reason', () => {
    const result = read(FUNCTION(', MemorySize: abc, Timeout: !Ref Unknown'));
    assert.ok(result.ok);
    assert.deepEqual(result.template.functions, []);
    assert.deepEqual(result.template.skipped, ['F: MemorySize is not a number: "abc"']);
  });
});

// ---------------------------------------------------------------------------------------------
// A few through the real CLI: exit 2, one line on stderr, no stack trace, nothing left running.

describe('emu serve --template with a bad template', () => {
  const BAD: Array<[string, string, RegExp]> = [
    ['unknown tag', 'Resources:\n  F:\n    Type: !Bogus AWS::Serverless::Function\n', /unknown tag !Bogus at line 3/],
    ['unclosed bracket', 'Resources: [\n', /not valid YAML at line \d+/],
    ['tab indentation', 'Resources:\n\tF: 1\n', /not valid YAML at line 2/],
    ['self alias', 'Resources: &r\n  F: *r\n', /alias \*r at line 2, column \d+ refers to itself/],
    ['circular conditions', `Conditions: {A: !Condition A}\n${FUNCTION('')}    Condition: A\n`, /condition 'A' depends on itself/],
    ['no Default', `Parameters: {P: {Type: String}}\n${FUNCTION('')}`, /parameter 'P' has no Default/],
    ['no function', FUNCTION(', Runtime: java21'), /no function emu runs to serve/],
  ];
  for (const [name, text, expected] of BAD) {
    test(name, async () => {
      const file = path.join(DIR, `${name.replaceAll(' ', '-')}.yaml`);
      writeFileSync(file, text);
      let pid = 0;
      const run = runEmu(['serve', '--template', file, '--port', '0'], { onSpawn: (spawned) => (pid = spawned) });
      const timer = setTimeout(() => process.kill(pid, 'SIGKILL'), 15_000); // it must refuse, not serve
      const { code, stdout, stderr } = await run;
      clearTimeout(timer);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '');
      const errorLines = stderr.split('\n').filter((line) => line.startsWith('emu: ') && !line.startsWith('emu: warning') && !line.startsWith('emu: skipped'));
      assert.equal(errorLines.length, 1, stderr);
      assert.match(errorLines[0] as string, expected);
      assert.ok(errorLines[0]?.startsWith(`emu: ${file}: `), stderr);
      assert.doesNotMatch(stderr, /^\s+at /m);
      assertNoProcessLeft();
    });
  }
});
