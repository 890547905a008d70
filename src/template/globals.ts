/**
 * SAM's Globals merge [SAMG]: scalars, the local value wins; maps merge
 * recursively (so Environment variables from both survive); lists
 * concatenate global then local without de-duplication; on a type mismatch
 * the local value wins. Intrinsic calls count as scalars.
 */
import { ownValue, setOwn } from './plain-data.js';

export function mergeGlobals(global: unknown, local: unknown): unknown {
  if (local === undefined) return global;
  if (Array.isArray(global) && Array.isArray(local)) return [...global, ...local];
  if (isPlainMap(global) && isPlainMap(local)) {
    const merged: Record<string, unknown> = { ...global };
    for (const [key, value] of Object.entries(local)) setOwn(merged, key, mergeGlobals(ownValue(global, key), value));
    return merged;
  }
  return local;
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const intrinsic = keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || (keys[0] ?? '').startsWith('Fn::'));
  return !intrinsic;
}
