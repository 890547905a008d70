/**
 * A Lambda authorizer's IAM policy, evaluated as API Gateway does for
 * `execute-api:Invoke` on one method ARN: an explicit Deny wins, else an
 * Allow lets through, else the request is implicitly denied. `*` matches any
 * run of characters and `?` one, as IAM's resource wildcards do.
 */
import { isRecord } from './gateway-response.js';

export type PolicyVerdict = 'allow' | 'explicit-deny' | 'implicit-deny';

/** The verdict, or a string saying why API Gateway could not read the policy. */
export function evaluatePolicy(policyDocument: unknown, methodArn: string): PolicyVerdict | string {
  if (!isRecord(policyDocument)) return 'policyDocument is not an object';
  const statements = Array.isArray(policyDocument.Statement) ? policyDocument.Statement : isRecord(policyDocument.Statement) ? [policyDocument.Statement] : undefined;
  if (statements === undefined) return 'policyDocument has no Statement';
  let allowed = false;
  for (const statement of statements) {
    if (!isRecord(statement) || (statement.Effect !== 'Allow' && statement.Effect !== 'Deny')) return 'a Statement has no Effect Allow or Deny';
    if (!listOf(statement.Action).some((action) => wildcardMatch(action.toLowerCase(), 'execute-api:invoke'))) continue;
    if (!listOf(statement.Resource).some((resource) => wildcardMatch(resource, methodArn))) continue;
    if (statement.Effect === 'Deny') return 'explicit-deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

function listOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

const patterns = new Map<string, RegExp>();

export function wildcardMatch(pattern: string, text: string): boolean {
  let regex = patterns.get(pattern);
  if (regex === undefined) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
    regex = new RegExp(`^${source}$`, 's');
    if (patterns.size < 1000) patterns.set(pattern, regex);
  }
  return regex.test(text);
}
