/**
 * Which function an Invoke API call names, shared by Invoke and InvokeWithResponseStream so that
 * both accept the same name forms and refuse the same way (AWS's error types and messages).
 */
import type { FunctionHost } from './function-host.js';

interface InvokeTarget {
  name: string;
  qualifier?: string;
  /** A full ARN's region. */
  region?: string;
  /** The name's qualifier and ?Qualifier= differ. */
  conflict: boolean;
}

export type ResolvedTarget =
  | { kind: 'found'; host: FunctionHost; name: string }
  | { kind: 'refused'; name: string; statusCode: number; errorType: string; message: string };

export interface TargetContext {
  /** By function name and by logical id. */
  functions: ReadonlyMap<string, FunctionHost>;
  region: string;
  accountId: string;
}

/** `rawName` is the path's FunctionName segment, still URL-encoded. */
export function resolveInvokeTarget(rawName: string, rawQuery: string, context: TargetContext): ResolvedTarget {
  const target = parseTarget(decodeURIComponent(rawName), rawQuery);
  const refuse = (statusCode: number, errorType: string, message: string): ResolvedTarget => ({ kind: 'refused', name: target.name, statusCode, errorType, message });
  if (target.conflict) return refuse(400, 'InvalidParameterValueException', 'The derived qualifier from the function name does not match the specified qualifier.');
  if (target.region !== undefined && target.region !== context.region) {
    return refuse(404, 'ResourceNotFoundException', `Functions from '${target.region}' are not reachable in this region ('${context.region}')`);
  }
  const host = context.functions.get(target.name);
  if (host === undefined || (target.qualifier !== undefined && target.qualifier !== host.functionVersion)) {
    const arn = `arn:aws:lambda:${context.region}:${context.accountId}:function:${target.name}${target.qualifier === undefined ? '' : `:${target.qualifier}`}`;
    return refuse(404, 'ResourceNotFoundException', `Function not found: ${arn}`);
  }
  return { kind: 'found', host, name: target.name };
}

/**
 * The forms Invoke's FunctionName takes [INV]: `name`, `name:qualifier`,
 * `123456789012:function:name[:q]` or `arn:aws:lambda:region:account:function:name[:q]`;
 * `?Qualifier=` too, which must agree with a qualifier in the name.
 */
function parseTarget(raw: string, rawQuery: string): InvokeTarget {
  const parts = raw.split(':');
  const at = parts[0] === 'arn' ? 5 : parts[1] === 'function' ? 1 : -1;
  const name = at >= 0 ? (parts[at + 1] ?? '') : (parts[0] ?? '');
  const inline = at >= 0 ? parts[at + 2] : parts[1];
  const query = new URLSearchParams(rawQuery).get('Qualifier') ?? undefined;
  const qualifier = inline ?? query;
  const target: InvokeTarget = { name, conflict: inline !== undefined && query !== undefined && inline !== query };
  if (qualifier !== undefined) target.qualifier = qualifier;
  if (parts[0] === 'arn' && parts[3] !== undefined) target.region = parts[3];
  return target;
}
