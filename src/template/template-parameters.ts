/**
 * Parameter values: `--parameter-overrides`, else the parameter's Default
 * [SAM]. List types become arrays, as CloudFormation hands them to `Ref`.
 */
import { usageError } from '../errors/emu-error.js';
import { setOwn, textOf } from './plain-data.js';

export function templateParameters(
  declared: Record<string, unknown>,
  overrides: Record<string, string>,
  warn: (message: string) => void,
): Record<string, string | string[]> {
  for (const name of Object.keys(overrides)) {
    if (!Object.hasOwn(declared, name)) warn(`--parameter-overrides: the template declares no parameter '${name}' (ignored)`);
  }
  const values: Record<string, string | string[]> = {};
  for (const [name, definition] of Object.entries(declared)) {
    const spec = (typeof definition === 'object' && definition !== null ? definition : {}) as Record<string, unknown>;
    // Own keys only: a parameter named toString or __proto__ is not in every object.
    const text = (Object.hasOwn(overrides, name) ? overrides[name] : undefined) ?? (spec.Default === undefined ? undefined : stringify(spec.Default));
    if (text === undefined) throw usageError(`parameter '${name}' has no Default: give it with --parameter-overrides ${name}=VALUE`);
    const type = typeof spec.Type === 'string' ? spec.Type : 'String';
    setOwn(values, name, type === 'CommaDelimitedList' || type.startsWith('List<') ? text.split(',').map((item) => item.trim()) : text);
  }
  return values;
}

/**
 * `K=V`, SAM's `ParameterKey=K,ParameterValue=V`, or several of either in one
 * space-separated argument, as `sam deploy --parameter-overrides` takes them.
 */
export function parseParameterOverrides(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of args.flatMap((arg) => arg.split(/\s+/)).filter((word) => word !== '')) {
    const long = /^ParameterKey=([^,]+),ParameterValue=(.*)$/.exec(word);
    const eq = word.indexOf('=');
    if (long?.[1] !== undefined) setOwn(out, long[1], long[2] ?? '');
    else if (eq > 0) setOwn(out, word.slice(0, eq), word.slice(eq + 1));
    else throw usageError(`--parameter-overrides expects KEY=VALUE, got '${word}'`);
  }
  return out;
}

function stringify(value: unknown): string {
  return Array.isArray(value) ? value.map(textOf).join(',') : textOf(value);
}
