/**
 * CloudFormation intrinsic functions, resolved the way `sam local` does:
 * what can be known locally (parameters, pseudo-parameters, conditions,
 * mappings, a function's name and ARN) is computed; what cannot (an
 * ImportValue, another resource's attribute) is left in its long form for
 * the caller to report.
 */
import { usageError } from '../errors/emu-error.js';
import { ownValue, setOwn, textOf } from './plain-data.js';

export interface IntrinsicContext {
  parameters: Record<string, string | string[]>;
  region: string;
  accountId: string;
  stackName: string;
  conditions: Record<string, unknown>;
  mappings: Record<string, unknown>;
  /** Logical id → what `Ref` gives for it (a function's name), when known. */
  refs: Record<string, string>;
  /** Logical id → resource type, to tell a resource `Ref` from a typo. */
  resourceTypes: Record<string, string>;
}

/** `Ref: AWS::NoValue`: the property is removed, as if it had never been written. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

type Fn = (argument: unknown, resolver: IntrinsicResolver) => unknown;

export class IntrinsicResolver {
  readonly #context: IntrinsicContext;
  readonly #conditionValues = new Map<string, boolean>();
  /** Conditions being evaluated right now: meeting one again is a cycle, which would never end. */
  readonly #evaluating = new Set<string>();

  constructor(context: IntrinsicContext) {
    this.#context = context;
  }

  get context(): IntrinsicContext {
    return this.#context;
  }

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item)).filter((item) => item !== NO_VALUE);
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first !== undefined) {
      const fn = intrinsic(first[0]);
      if (fn !== undefined) return fn(first[1], this);
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      const resolved = this.resolve(item);
      if (resolved !== NO_VALUE) setOwn(out, key, resolved);
    }
    return out;
  }

  /** A named entry of the template's Conditions section, evaluated once. */
  condition(name: string): boolean {
    const known = this.#conditionValues.get(name);
    if (known !== undefined) return known;
    if (this.#evaluating.has(name)) throw usageError(`condition '${name}' depends on itself`);
    this.#evaluating.add(name);
    try {
      const definition = ownValue(this.#context.conditions, name);
      const value = definition === undefined ? false : this.resolve(definition) === true;
      this.#conditionValues.set(name, value);
      return value;
    } finally {
      this.#evaluating.delete(name);
    }
  }
}

/** True when the value is still an intrinsic call that could not be resolved locally. */
export function isUnresolved(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isUnresolved);
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value);
  if (keys.length === 1 && intrinsic(keys[0] as string) !== undefined) return true;
  return Object.values(value).some(isUnresolved);
}

function ref(name: unknown, resolver: IntrinsicResolver): unknown {
  const { context } = resolver;
  if (typeof name !== 'string') return { Ref: name };
  const parameter = ownValue(context.parameters, name);
  if (parameter !== undefined) return parameter;
  const pseudo = pseudoParameter(name, context);
  if (pseudo !== undefined) return pseudo;
  const known = ownValue(context.refs, name);
  if (known !== undefined) return known;
  // sam local gives a resource's logical id for the physical id it cannot know.
  if (ownValue(context.resourceTypes, name) !== undefined) return name;
  return { Ref: name };
}

function pseudoParameter(name: string, context: IntrinsicContext): unknown {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::StackId':
      return `arn:aws:cloudformation:${context.region}:${context.accountId}:stack/${context.stackName}/51af3dc0-da77-11e4-872e-1234567db123`;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::NotificationARNs':
      return [];
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      return undefined;
  }
}

function getAtt(argument: unknown, resolver: IntrinsicResolver): unknown {
  const parts = typeof argument === 'string' ? argument.split('.') : resolver.resolve(argument);
  const [resource, attribute] = Array.isArray(parts) ? parts : [];
  const { context } = resolver;
  const name = typeof resource === 'string' ? ownValue(context.refs, resource) : undefined;
  if (typeof name === 'string' && attribute === 'Arn' && ownValue(context.resourceTypes, resource as string) === 'AWS::Serverless::Function') {
    return `arn:aws:lambda:${context.region}:${context.accountId}:function:${name}`;
  }
  return { 'Fn::GetAtt': argument };
}

/** `${Name}`, `${Resource.Attribute}` and the `${!Literal}` escape. */
function sub(argument: unknown, resolver: IntrinsicResolver): unknown {
  const [template, variables] = Array.isArray(argument) ? argument : [argument, {}];
  if (typeof template !== 'string') return { 'Fn::Sub': argument };
  // Variables that are not a map (a typo, an unresolvable Ref) name nothing.
  const resolved = resolver.resolve(variables);
  const values = typeof resolved === 'object' && resolved !== null && !Array.isArray(resolved) ? (resolved as Record<string, unknown>) : {};
  let unresolved = false;
  const text = template.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    const value = Object.hasOwn(values, name) ? values[name] : name.includes('.') ? getAtt(name, resolver) : ref(name, resolver);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    unresolved = true;
    return whole;
  });
  return unresolved ? { 'Fn::Sub': argument } : text;
}

function join(argument: unknown, resolver: IntrinsicResolver): unknown {
  const [delimiter, list] = asArray(resolver.resolve(argument));
  const items = resolver.resolve(list);
  if (typeof delimiter !== 'string' || !Array.isArray(items) || items.some((item) => typeof item === 'object')) {
    return { 'Fn::Join': argument };
  }
  return items.join(delimiter);
}

function select(argument: unknown, resolver: IntrinsicResolver): unknown {
  const [index, list] = asArray(resolver.resolve(argument));
  const items = resolver.resolve(list);
  // Only a number or its text is an index: Number() of an object calls its toString, which a template can break.
  const at = typeof index === 'number' || typeof index === 'string' ? Number(index) : Number.NaN;
  return Array.isArray(items) && Number.isInteger(at) && at >= 0 && at < items.length ? items[at] : { 'Fn::Select': argument };
}

function split(argument: unknown, resolver: IntrinsicResolver): unknown {
  const [delimiter, text] = asArray(resolver.resolve(argument));
  return typeof delimiter === 'string' && typeof text === 'string' ? text.split(delimiter) : { 'Fn::Split': argument };
}

function findInMap(argument: unknown, resolver: IntrinsicResolver): unknown {
  const [map, top, second] = asArray(resolver.resolve(argument)).map(textOf);
  const found = lookup(lookup(lookup(resolver.context.mappings, map), top), second);
  return found === undefined ? { 'Fn::FindInMap': argument } : found;
}

function fnIf(argument: unknown, resolver: IntrinsicResolver): unknown {
  const [name, whenTrue, whenFalse] = asArray(argument);
  return resolver.resolve(resolver.condition(textOf(name)) ? whenTrue : whenFalse);
}

function equals(argument: unknown, resolver: IntrinsicResolver): unknown {
  const [a, b] = asArray(resolver.resolve(argument));
  return JSON.stringify(a) === JSON.stringify(b);
}

function base64(argument: unknown, resolver: IntrinsicResolver): unknown {
  const text = resolver.resolve(argument);
  return typeof text === 'string' ? Buffer.from(text).toString('base64') : { 'Fn::Base64': argument };
}

const bools = (argument: unknown, resolver: IntrinsicResolver): boolean[] =>
  asArray(argument).map((item) => resolver.resolve(item) === true);

const FUNCTIONS: Record<string, Fn> = {
  Ref: ref,
  'Fn::GetAtt': getAtt,
  'Fn::Sub': sub,
  'Fn::Join': join,
  'Fn::Select': select,
  'Fn::Split': split,
  'Fn::FindInMap': findInMap,
  'Fn::If': fnIf,
  'Fn::Equals': equals,
  'Fn::And': (argument, resolver) => bools(argument, resolver).every(Boolean),
  'Fn::Or': (argument, resolver) => bools(argument, resolver).some(Boolean),
  'Fn::Not': (argument, resolver) => !(bools(argument, resolver)[0] ?? false),
  Condition: (name, resolver) => resolver.condition(textOf(name)),
  'Fn::Base64': base64,
  'Fn::GetAZs': (_argument, resolver) => ['a', 'b', 'c'].map((zone) => `${resolver.context.region}${zone}`),
  'Fn::ImportValue': (argument) => ({ 'Fn::ImportValue': argument }),
};

function intrinsic(name: string): Fn | undefined {
  return ownValue(FUNCTIONS, name) as Fn | undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function lookup(value: unknown, key: string | undefined): unknown {
  return typeof value === 'object' && value !== null && key !== undefined ? ownValue(value, key) : undefined;
}
