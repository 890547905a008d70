// CloudFormation intrinsics as sam local resolves them: what a function's Environment, names and routes end up as.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmuError } from '../src/errors/emu-error.js';
import { IntrinsicResolver, isUnresolved, NO_VALUE, type IntrinsicContext } from '../src/template/intrinsics.js';

function resolver(overrides: Partial<IntrinsicContext> = {}): IntrinsicResolver {
  return new IntrinsicResolver({
    parameters: { Stage: 'dev', Names: ['a', 'b'], Index: '1' },
    region: 'eu-west-1',
    accountId: '123456789012',
    stackName: 'shop',
    conditions: {
      IsDev: { 'Fn::Equals': [{ Ref: 'Stage' }, 'dev'] },
      IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
      NotTrue: 'yes',
    },
    mappings: { Sizes: { dev: { Memory: 256, Zero: 0 } } },
    refs: { Api: 'shop-api', Fn: 'shop-fn' },
    resourceTypes: { Api: 'AWS::Serverless::Function', Fn: 'AWS::Serverless::Function', Table: 'AWS::DynamoDB::Table' },
    ...overrides,
  });
}

const r = resolver();

describe('Ref and pseudo-parameters', () => {
  test('every pseudo-parameter', () => {
    assert.equal(r.resolve({ Ref: 'AWS::Region' }), 'eu-west-1');
    assert.equal(r.resolve({ Ref: 'AWS::AccountId' }), '123456789012');
    assert.equal(r.resolve({ Ref: 'AWS::StackName' }), 'shop');
    assert.match(r.resolve({ Ref: 'AWS::StackId' }) as string, /^arn:aws:cloudformation:eu-west-1:123456789012:stack\/shop\/[0-9a-f-]{36}$/);
    assert.equal(r.resolve({ Ref: 'AWS::Partition' }), 'aws');
    assert.equal(r.resolve({ Ref: 'AWS::URLSuffix' }), 'amazonaws.com');
    assert.deepEqual(r.resolve({ Ref: 'AWS::NotificationARNs' }), []);
  });

  test('a parameter wins over a resource of the same name; a list parameter stays a list', () => {
    const shadow = resolver({ parameters: { Fn: 'from-parameter' } });
    assert.equal(shadow.resolve({ Ref: 'Fn' }), 'from-parameter');
    assert.deepEqual(r.resolve({ Ref: 'Names' }), ['a', 'b']);
  });

  test("a function's Ref is its name; another resource gives its logical id; a typo, or a non-string, stays unresolved", () => {
    assert.equal(r.resolve({ Ref: 'Fn' }), 'shop-fn');
    assert.equal(r.resolve({ Ref: 'Table' }), 'Table');
    assert.deepEqual(r.resolve({ Ref: 'Tabel' }), { Ref: 'Tabel' });
    assert.deepEqual(r.resolve({ Ref: ['Fn'] }), { Ref: ['Fn'] });
  });

  test('names from Object.prototype are names like any other', () => {
    assert.deepEqual(r.resolve({ Ref: 'toString' }), { Ref: 'toString' });
    assert.deepEqual(r.resolve({ 'Fn::FindInMap': ['constructor', 'a', 'b'] }), { 'Fn::FindInMap': ['constructor', 'a', 'b'] });
    assert.deepEqual(r.resolve({ toString: 1 }), { toString: 1 }, 'not an intrinsic: an ordinary key');
  });

  test('Ref AWS::NoValue removes the property, or the list item', () => {
    assert.equal(r.resolve({ Ref: 'AWS::NoValue' }), NO_VALUE);
    assert.deepEqual(r.resolve({ A: 1, B: { Ref: 'AWS::NoValue' } }), { A: 1 });
    assert.deepEqual(r.resolve(['a', { Ref: 'AWS::NoValue' }, 'b']), ['a', 'b']);
  });
});

describe('Fn::GetAtt', () => {
  test("a function's Arn, in either form", () => {
    assert.equal(r.resolve({ 'Fn::GetAtt': 'Fn.Arn' }), 'arn:aws:lambda:eu-west-1:123456789012:function:shop-fn');
    assert.equal(r.resolve({ 'Fn::GetAtt': ['Fn', 'Arn'] }), 'arn:aws:lambda:eu-west-1:123456789012:function:shop-fn');
  });

  test('a function whose name is not known yet gives no Arn', () => {
    const unnamed = resolver({ resourceTypes: { Ghost: 'AWS::Serverless::Function' } });
    assert.deepEqual(unnamed.resolve({ 'Fn::GetAtt': 'Ghost.Arn' }), { 'Fn::GetAtt': 'Ghost.Arn' });
  });

  test('any other attribute, or a resource that is not a function, is left unresolved', () => {
    assert.deepEqual(r.resolve({ 'Fn::GetAtt': 'Fn.Version' }), { 'Fn::GetAtt': 'Fn.Version' });
    const notFunction = resolver({ resourceTypes: { Fn: 'AWS::Lambda::Function' } });
    assert.deepEqual(notFunction.resolve({ 'Fn::GetAtt': ['Fn', 'Arn'] }), { 'Fn::GetAtt': ['Fn', 'Arn'] });
    assert.deepEqual(r.resolve({ 'Fn::GetAtt': ['Table', 'Arn'] }), { 'Fn::GetAtt': ['Table', 'Arn'] });
    assert.deepEqual(r.resolve({ 'Fn::GetAtt': 42 }), { 'Fn::GetAtt': 42 });
  });
});

describe('Fn::Sub', () => {
  test('parameters, pseudo-parameters, attributes, numbers and the ${!Literal} escape', () => {
    assert.equal(r.resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Stage}-${!Literal}/${Fn.Arn}' }), 'arn:aws:s3:::dev-${Literal}/arn:aws:lambda:eu-west-1:123456789012:function:shop-fn');
  });

  test('its own variables win over parameters, and may be intrinsics themselves', () => {
    assert.equal(r.resolve({ 'Fn::Sub': ['${Stage}-${N}-${B}', { Stage: 'override', N: 3, B: false }] }), 'override-3-false');
    assert.equal(r.resolve({ 'Fn::Sub': ['${X}', { X: { Ref: 'AWS::Region' } }] }), 'eu-west-1');
  });

  test('one unresolvable name leaves the whole Sub unresolved; variables that are not a map name nothing', () => {
    assert.deepEqual(r.resolve({ 'Fn::Sub': '${Stage}-${Nope}' }), { 'Fn::Sub': '${Stage}-${Nope}' });
    assert.deepEqual(r.resolve({ 'Fn::Sub': '${Names}' }), { 'Fn::Sub': '${Names}' }, 'a list is not text');
    assert.equal(r.resolve({ 'Fn::Sub': ['${Stage}', ['x']] }), 'dev');
    assert.deepEqual(r.resolve({ 'Fn::Sub': ['${0}', ['x']] }), { 'Fn::Sub': ['${0}', ['x']] }, 'a list does not name ${0}');
    assert.equal(r.resolve({ 'Fn::Sub': ['${Stage}', null] }), 'dev');
    assert.deepEqual(r.resolve({ 'Fn::Sub': ['${0}', 'abc'] }), { 'Fn::Sub': ['${0}', 'abc'] }, 'text does not name ${0}');
    assert.deepEqual(r.resolve({ 'Fn::Sub': 7 }), { 'Fn::Sub': 7 });
    assert.equal(r.resolve({ 'Fn::Sub': 'no variables' }), 'no variables');
  });
});

describe('Fn::Join, Fn::Select, Fn::Split', () => {
  test('Join: a delimiter and a list, itself possibly an intrinsic', () => {
    assert.equal(r.resolve({ 'Fn::Join': ['-', ['a', { Ref: 'Stage' }, 3]] }), 'a-dev-3');
    assert.equal(r.resolve({ 'Fn::Join': ['', { Ref: 'Names' }] }), 'ab');
    assert.deepEqual(r.resolve({ 'Fn::Join': ['-', ['a', { Ref: 'Nope' }]] }), { 'Fn::Join': ['-', ['a', { Ref: 'Nope' }]] });
    assert.deepEqual(r.resolve({ 'Fn::Join': [1, ['a']] }), { 'Fn::Join': [1, ['a']] });
    assert.deepEqual(r.resolve({ 'Fn::Join': ['-', 'ab'] }), { 'Fn::Join': ['-', 'ab'] });
  });

  test('Select: a whole index within the list, given as a number or text', () => {
    assert.equal(r.resolve({ 'Fn::Select': [0, ['x', 'y']] }), 'x');
    assert.equal(r.resolve({ 'Fn::Select': [{ Ref: 'Index' }, ['x', 'y']] }), 'y');
    for (const index of [-1, 2, 0.5]) {
      assert.deepEqual(r.resolve({ 'Fn::Select': [index, ['x', 'y']] }), { 'Fn::Select': [index, ['x', 'y']] }, String(index));
    }
    assert.deepEqual(r.resolve({ 'Fn::Select': [0, 'xy'] }), { 'Fn::Select': [0, 'xy'] });
    // An object index whose toString is no function made Number() throw (found by template-fuzz).
    assert.deepEqual(r.resolve({ 'Fn::Select': [{ toString: 0 }, ['x']] }), { 'Fn::Select': [{ toString: 0 }, ['x']] });
  });

  test('Split: text by a delimiter', () => {
    assert.deepEqual(r.resolve({ 'Fn::Split': [',', 'a,,b'] }), ['a', '', 'b']);
    assert.deepEqual(r.resolve({ 'Fn::Split': [',', { Ref: 'Stage' }] }), ['dev']);
    assert.deepEqual(r.resolve({ 'Fn::Split': [',', ['a']] }), { 'Fn::Split': [',', ['a']] });
    assert.deepEqual(r.resolve({ 'Fn::Split': [0, 'a'] }), { 'Fn::Split': [0, 'a'] });
  });
});

describe('Fn::FindInMap and Fn::Base64, Fn::GetAZs, Fn::ImportValue', () => {
  test('FindInMap: three keys, any of them an intrinsic; a falsy value is found too', () => {
    assert.equal(r.resolve({ 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'Memory'] }), 256);
    assert.equal(r.resolve({ 'Fn::FindInMap': ['Sizes', 'dev', 'Zero'] }), 0);
    assert.deepEqual(r.resolve({ 'Fn::FindInMap': ['Sizes', 'prod', 'Memory'] }), { 'Fn::FindInMap': ['Sizes', 'prod', 'Memory'] });
    assert.deepEqual(r.resolve({ 'Fn::FindInMap': ['Sizes', 'dev'] }), { 'Fn::FindInMap': ['Sizes', 'dev'] });
    const holes = resolver({ mappings: { M: { a: null } } });
    assert.deepEqual(holes.resolve({ 'Fn::FindInMap': ['M', 'a', 'b'] }), { 'Fn::FindInMap': ['M', 'a', 'b'] }, 'a null on the way is not found, and no crash');
  });

  test('Base64 of text; GetAZs three zones of the region; ImportValue cannot be known locally', () => {
    assert.equal(r.resolve({ 'Fn::Base64': { 'Fn::Sub': '${Stage}!' } }), Buffer.from('dev!').toString('base64'));
    assert.deepEqual(r.resolve({ 'Fn::Base64': ['x'] }), { 'Fn::Base64': ['x'] });
    assert.deepEqual(r.resolve({ 'Fn::GetAZs': { Ref: 'AWS::Region' } }), ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    assert.deepEqual(r.resolve({ 'Fn::ImportValue': 'shared-url' }), { 'Fn::ImportValue': 'shared-url' });
  });
});

describe('conditions', () => {
  test('Fn::If picks by the named condition, resolving only the branch taken', () => {
    assert.equal(r.resolve({ 'Fn::If': ['IsDev', { Ref: 'Stage' }, 'other'] }), 'dev');
    assert.equal(r.resolve({ 'Fn::If': ['IsProd', 'p', { Ref: 'AWS::Region' }] }), 'eu-west-1');
    assert.equal(r.resolve({ 'Fn::If': ['Undefined', 'p', 'q'] }), 'q', 'an undefined condition is false');
    assert.equal(r.resolve({ 'Fn::If': ['NotTrue', 'p', 'q'] }), 'q', 'only true is true');
  });

  test('Equals compares values, lists included; And, Or, Not and Condition', () => {
    assert.equal(r.resolve({ 'Fn::Equals': [['a', 1], ['a', 1]] }), true);
    assert.equal(r.resolve({ 'Fn::Equals': ['1', 1] }), false);
    assert.equal(r.resolve({ 'Fn::And': [true, { Condition: 'IsDev' }] }), true);
    assert.equal(r.resolve({ 'Fn::And': [true, { Condition: 'IsProd' }] }), false);
    assert.equal(r.resolve({ 'Fn::Or': [{ Condition: 'IsProd' }, false] }), false);
    assert.equal(r.resolve({ 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'IsDev' }] }), true);
    assert.equal(r.resolve({ 'Fn::Not': [{ Condition: 'IsProd' }] }), true);
    assert.equal(r.resolve({ 'Fn::Not': [true] }), false);
    assert.equal(r.resolve({ 'Fn::Not': [] }), true, 'Not of nothing: not false');
    assert.equal(r.resolve({ 'Fn::Not': ['true'] }), true, 'the text "true" is not true');
  });

  test('a condition is evaluated once, and a condition that depends on itself is a usage error', () => {
    const context = { IsDev: { 'Fn::Equals': [{ Ref: 'Stage' }, 'dev'] } };
    const once = resolver({ conditions: context });
    assert.equal(once.condition('IsDev'), true);
    context.IsDev = { 'Fn::Equals': [{ Ref: 'Stage' }, 'nope'] };
    assert.equal(once.condition('IsDev'), true, 'the first answer is kept');
    const cyclic = resolver({ conditions: { A: { Condition: 'B' }, B: { 'Fn::Not': [{ Condition: 'A' }] } } });
    assert.throws(
      () => cyclic.condition('A'),
      (error: unknown) => error instanceof EmuError && /condition '(A|B)' depends on itself/.test(error.message),
    );
    const diamond = resolver({ conditions: { Top: { 'Fn::And': [{ Condition: 'X' }, { Condition: 'X' }] }, X: true } });
    assert.equal(diamond.condition('Top'), true, 'a condition met twice, not in a cycle, is no cycle');
  });
});

describe('isUnresolved and plain values', () => {
  test('scalars, lists and maps without intrinsics come back as they are', () => {
    assert.deepEqual(r.resolve({ A: [1, 'two', null, { B: true }] }), { A: [1, 'two', null, { B: true }] });
    const proto = r.resolve(JSON.parse('{"__proto__": {"polluted": 1}}')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(proto), ['__proto__'], '__proto__ is a key, not a prototype');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('a map with two keys is not an intrinsic call, even if one key names one', () => {
    assert.deepEqual(r.resolve({ Ref: 'Stage', Other: 1 }), { Ref: 'Stage', Other: 1 });
  });

  test('isUnresolved finds an intrinsic left anywhere inside', () => {
    assert.equal(isUnresolved({ A: [1, { B: { 'Fn::ImportValue': 'x' } }] }), true);
    assert.equal(isUnresolved([{ Ref: 'Nope' }]), true);
    assert.equal(isUnresolved({ A: [1, 'x', null], B: { Ref: 'x', C: 1 } }), false);
    assert.equal(isUnresolved({ A: { Ref: 'x' }, B: 1 }), true, 'one unresolved value among others');
    assert.equal(isUnresolved({ A: 1 }), false, 'a one-key map that names no intrinsic');
    assert.equal(isUnresolved('text'), false);
    assert.equal(isUnresolved(null), false);
  });
});
