// The SAM template reader: short tags, intrinsics, Globals, parameters, and what it reports as skipped or unsupported.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { IntrinsicResolver, mergeGlobals, parseCfnYaml, parseParameterOverrides, readSamTemplate, type IntrinsicContext } from '../src/template/index.js';
import { REPO_ROOT } from './helpers.js';

const TEMPLATE = path.join(REPO_ROOT, 'test', 'fixtures', 'serve', 'template.yaml');

function resolver(overrides: Partial<IntrinsicContext> = {}): IntrinsicResolver {
  return new IntrinsicResolver({
    parameters: { Stage: 'dev', Names: ['a', 'b'] },
    region: 'eu-west-1',
    accountId: '123456789012',
    stackName: 'local',
    conditions: { IsDev: { 'Fn::Equals': [{ Ref: 'Stage' }, 'dev'] } },
    mappings: { Sizes: { dev: { Memory: 256 } } },
    refs: { Fn: 'my-fn' },
    resourceTypes: { Fn: 'AWS::Serverless::Function', Bucket: 'AWS::S3::Bucket' },
    ...overrides,
  });
}

describe('short tags', () => {
  test('every short form becomes its long form; !GetAtt A.B splits at the first dot', () => {
    const data = parseCfnYaml(
      ['a: !Ref X', 'b: !GetAtt Fn.Arn', 'c: !Sub "${X}-y"', 'd: !Join [",", [a, b]]', 'e: !If [C, 1, 2]', 'f: !Select [0, !Split [",", "a,b"]]', 'g: !Condition C', 'h: !GetAZs ""'].join('\n'),
      't.yaml',
    );
    assert.deepEqual(data, {
      a: { Ref: 'X' },
      b: { 'Fn::GetAtt': ['Fn', 'Arn'] },
      c: { 'Fn::Sub': '${X}-y' },
      d: { 'Fn::Join': [',', ['a', 'b']] },
      e: { 'Fn::If': ['C', 1, 2] },
      f: { 'Fn::Select': [0, { 'Fn::Split': [',', 'a,b'] }] },
      g: { Condition: 'C' },
      h: { 'Fn::GetAZs': '' },
    });
  });

  test('invalid YAML is a one-line usage error naming the file', () => {
    assert.throws(() => parseCfnYaml('a: [1, 2', 'bad.yaml'), /^EmuError: bad\.yaml: not valid YAML/);
  });
});

describe('intrinsics', () => {
  test('Ref: parameters, pseudo-parameters, a function its name, another resource its logical id', () => {
    const r = resolver();
    assert.deepEqual(
      ['Stage', 'AWS::Region', 'AWS::AccountId', 'AWS::StackName', 'AWS::Partition', 'Fn', 'Bucket'].map((name) => r.resolve({ Ref: name })),
      ['dev', 'eu-west-1', '123456789012', 'local', 'aws', 'my-fn', 'Bucket'],
    );
    assert.deepEqual(r.resolve({ Ref: 'Unknown' }), { Ref: 'Unknown' });
  });

  test('Sub (both forms, ${!Literal}), Join, Select, Split, FindInMap, If with AWS::NoValue, Base64, GetAZs, GetAtt Arn', () => {
    const r = resolver();
    assert.equal(r.resolve({ 'Fn::Sub': '${AWS::StackName}-${Stage}-${!Keep}' }), 'local-dev-${Keep}');
    assert.equal(r.resolve({ 'Fn::Sub': ['${A}/${Fn.Arn}', { A: { Ref: 'Stage' } }] }), 'dev/arn:aws:lambda:eu-west-1:123456789012:function:my-fn');
    assert.equal(r.resolve({ 'Fn::Join': ['-', [{ Ref: 'Stage' }, 'x']] }), 'dev-x');
    assert.equal(r.resolve({ 'Fn::Join': [',', { Ref: 'Names' }] }), 'a,b');
    assert.equal(r.resolve({ 'Fn::Select': [1, { 'Fn::Split': [',', 'x,y,z'] }] }), 'y');
    assert.equal(r.resolve({ 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'Memory'] }), 256);
    assert.deepEqual(r.resolve({ A: { 'Fn::If': ['IsDev', 'yes', 'no'] }, B: { 'Fn::If': ['IsDev', { Ref: 'AWS::NoValue' }, 1] } }), { A: 'yes' });
    assert.equal(r.resolve({ 'Fn::Base64': 'hi' }), 'aGk=');
    assert.deepEqual(r.resolve({ 'Fn::GetAZs': '' }), ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    assert.equal(r.resolve({ 'Fn::And': [{ Condition: 'IsDev' }, { 'Fn::Not': [{ 'Fn::Equals': ['a', 'b'] }] }] }), true);
  });

  test('what cannot be known locally stays in long form', () => {
    const r = resolver();
    assert.deepEqual(r.resolve({ 'Fn::ImportValue': 'shared' }), { 'Fn::ImportValue': 'shared' });
    assert.deepEqual(r.resolve({ 'Fn::GetAtt': ['Bucket', 'Arn'] }), { 'Fn::GetAtt': ['Bucket', 'Arn'] });
  });
});

describe('Globals and parameters', () => {
  test('scalars: local wins; maps merge recursively; lists concatenate; intrinsics are scalars', () => {
    const merged = mergeGlobals(
      { Timeout: 3, Environment: { Variables: { A: '1', B: '1' } }, Layers: ['g'], Tags: { Ref: 'X' } },
      { Timeout: 10, Environment: { Variables: { B: '2' } }, Layers: ['l'], Tags: { k: 'v' } },
    );
    assert.deepEqual(merged, { Timeout: 10, Environment: { Variables: { A: '1', B: '2' } }, Layers: ['g', 'l'], Tags: { k: 'v' } });
  });

  test('--parameter-overrides: K=V, several in one word, and SAM’s ParameterKey=…,ParameterValue=… form', () => {
    assert.deepEqual(parseParameterOverrides(['A=1 B=x=y', 'ParameterKey=C,ParameterValue=3']), { A: '1', B: 'x=y', C: '3' });
    assert.throws(() => parseParameterOverrides(['nope']), /expects KEY=VALUE/);
  });
});

describe('readSamTemplate', () => {
  const template = readSamTemplate(TEMPLATE, { parameterOverrides: { Greeting: 'hi' } });
  const byId = (id: string) => template.functions.find((fn) => fn.logicalId === id);

  test('Globals merged into each function, local values winning; CodeUri relative to the template', () => {
    const items = byId('ItemsFunction');
    assert.ok(items !== undefined);
    assert.equal(items.functionName, 'local-items');
    assert.equal(items.codeDir, path.join(REPO_ROOT, 'test', 'fixtures', 'serve', 'api'));
    assert.deepEqual([items.memoryMb, items.timeoutSeconds, items.runtime], [256, 2, 'nodejs20.x']);
    assert.deepEqual(items.env, { STAGE_NAME: 'dev', SHARED: 'from-globals', GREETING: 'hi', MODE: 'development', REGION: 'us-east-1', TABLE: '' });
    assert.equal(byId('HttpFunction')?.timeoutSeconds, 5);
  });

  test('events: Api → REST 1.0 on the Prod stage with BinaryMediaTypes; HttpApi → 2.0, or 1.0 when PayloadFormatVersion says so', () => {
    const items = byId('ItemsFunction');
    assert.deepEqual(items?.routes[0], { api: 'rest', method: 'GET', path: '/items/{id}', payloadFormat: '1.0', stage: 'Prod', binaryMediaTypes: ['image/png'] });
    assert.deepEqual(byId('HttpFunction')?.routes.map((route) => `${route.method} ${route.path} ${route.payloadFormat}`), ['GET /users/{userId} 2.0', 'POST /users 2.0', 'GET /legacy/{id} 1.0']);
    assert.equal(byId('BareFunction')?.functionUrl, true);
  });

  test('non-Node.js runtimes and false Conditions are skipped; everything not applied is a warning', () => {
    assert.deepEqual(template.skipped, ['JavaFunction: Runtime java21 is not one emu runs (Node.js, Python 3, provided.al2023, provided.al2)', 'ProdOnlyFunction: its Condition IsProd is false']);
    assert.ok(template.warnings.some((w) => w.startsWith('ResultsFunction: layer "arn:aws:lambda:us-east-1:123456789012:layer:shared:1" is not a local')));
    assert.ok(template.warnings.includes('ItemsFunction: no local effect, ignored: Policies'));
    assert.ok(template.warnings.some((w) => w.startsWith("ItemsFunction: event 'Queue' (SQS) is not emulated")));
    assert.ok(template.warnings.some((w) => w.startsWith('ItemsFunction: environment variable TABLE uses')));
    assert.ok(template.warnings.includes('resources not emulated: Table (AWS::DynamoDB::Table), Queue (AWS::SQS::Queue)'));
  });
});

describe('layers and role', () => {
  const LAYERED = path.join(REPO_ROOT, 'test', 'fixtures', 'serve', 'layered', 'template.yaml');

  test('a local LayerVersion becomes a layer folder, a literal Role ARN the role; a published layer is named in a warning', () => {
    const template = readSamTemplate(LAYERED);
    const [fn] = template.functions;
    assert.deepEqual(fn?.layers, [path.join(REPO_ROOT, 'test', 'fixtures', 'serve', 'layered', 'shared-layer')]);
    assert.equal(fn?.roleArn, 'arn:aws:iam::123456789012:role/greeter-role');
    assert.ok(template.warnings.some((w) => w.includes('layer:published:3') && w.includes('--layer DIR')), template.warnings.join('\n'));
    assert.ok(!template.warnings.some((w) => w.includes('SharedLayer (AWS::Serverless::LayerVersion)')), 'the layer resource is not reported as unemulated');
  });
});
