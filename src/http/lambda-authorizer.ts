/**
 * A route's Lambda authorizer, run as API Gateway runs it: identity sources
 * checked first (missing → 401, the function unasked), then the cached answer
 * or a fresh invocation of the authorizer function in its own FunctionHost,
 * then the answer read (an IAM policy, or HTTP APIs' simple response). Every
 * refusal is API Gateway's answer; every failure's reason goes to stderr.
 */
import type { LambdaAuthorizer } from '../template/index.js';
import { AuthorizerCache } from './authorizer-cache.js';
import { authorizerEvent, identityValues, methodArn } from './authorizer-events.js';
import { authRefusal } from './authorizer-responses.js';
import type { EventContext } from './event-context.js';
import type { FunctionHost } from './function-host.js';
import { isRecord, type GatewayResponse } from './gateway-response.js';
import { evaluatePolicy } from './iam-policy.js';
import type { IncomingRequest } from './incoming-request.js';
import type { RouteMatch } from './router.js';
import { monotonicMs } from '../measure/clock.js';

/** What the authorizer function said, kept in the cache: the policy is evaluated per request. */
type LambdaAnswer =
  | { kind: 'policy'; principalId: string; policyDocument: unknown; context: Record<string, unknown> }
  | { kind: 'simple'; isAuthorized: boolean; context: Record<string, unknown> };

export type AuthOutcome = { authorizer: Record<string, unknown> } | { response: GatewayResponse };

export interface LambdaAuthorizerDeps {
  hosts: ReadonlyMap<string, FunctionHost>;
  cache: AuthorizerCache<LambdaAnswer>;
  writeLog(text: string): void;
}

export function lambdaAuthorizerCache(): AuthorizerCache<LambdaAnswer> {
  return new AuthorizerCache<LambdaAnswer>();
}

export async function runLambdaAuthorizer(request: IncomingRequest, match: RouteMatch, context: EventContext, authorizer: LambdaAuthorizer, deps: LambdaAuthorizerDeps): Promise<AuthOutcome> {
  const { api } = authorizer;
  const identity = identityValues(request, match, authorizer.identitySources);
  const refuse = (why: string): AuthOutcome => {
    deps.writeLog(`emu: authorizer ${authorizer.name}: ${why} (API Gateway answers 401)\n`);
    return { response: authRefusal(api, 'unauthorized') };
  };
  if (identity === undefined) return refuse(`an identity source is missing or empty (${authorizer.identitySources.map((source) => `${source.from} ${source.name}`).join(', ')})`);
  if (authorizer.validationExpression !== undefined && !new RegExp(`^(?:${authorizer.validationExpression})$`).test(identity[0] ?? '')) {
    return refuse(`the token does not match the ValidationExpression ${authorizer.validationExpression}`);
  }
  // Without an identity source there is nothing to key a cache entry by: API Gateway then asks every time.
  const key = identity.length > 0 ? `${authorizer.name}\n${identity.join('\n')}` : undefined;
  const started = monotonicMs();
  let answer = key === undefined ? undefined : deps.cache.get(key);
  if (answer === undefined) {
    const asked = await askAuthorizer(request, match, context, authorizer, identity, deps);
    if (typeof asked === 'string') return failed(authorizer, asked, deps);
    if ('response' in asked) return asked;
    answer = asked;
    if (key !== undefined) deps.cache.set(key, answer, authorizer.ttlSeconds);
  }
  return decide(request, match, context, authorizer, answer, Math.round(monotonicMs() - started), deps);
}

async function askAuthorizer(
  request: IncomingRequest,
  match: RouteMatch,
  context: EventContext,
  authorizer: LambdaAuthorizer,
  identity: string[],
  deps: LambdaAuthorizerDeps,
): Promise<LambdaAnswer | string | { response: GatewayResponse }> {
  const host = deps.hosts.get(authorizer.functionName);
  if (host === undefined) return `its function ${authorizer.functionName} is not served`;
  const event = authorizerEvent(request, match, context, authorizer, identity);
  let result;
  try {
    result = await host.invokeJson(JSON.stringify(event));
  } catch (error) {
    return `the invocation failed inside emu: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (result.error !== undefined) {
    // A REST authorizer that fails with the message "Unauthorized" is how a TOKEN authorizer says 401.
    if (authorizer.api === 'rest' && result.error.errorMessage === 'Unauthorized') {
      deps.writeLog(`emu: authorizer ${authorizer.name}: the function answered Unauthorized (API Gateway answers 401)\n`);
      return { response: authRefusal('rest', 'unauthorized') };
    }
    return `the function failed: ${result.error.errorType}: ${result.error.errorMessage.split('\n')[0]}`;
  }
  return readAnswer(result.payload, authorizer);
}

function readAnswer(payload: unknown, authorizer: LambdaAuthorizer): LambdaAnswer | string {
  if (!isRecord(payload)) return `the answer is not an object: ${JSON.stringify(payload)?.slice(0, 200)}`;
  const context = payload.context ?? {};
  if (!isRecord(context)) return 'its context is not an object';
  if (authorizer.api === 'rest') {
    const nested = Object.entries(context).find(([, value]) => typeof value === 'object' && value !== null);
    if (nested !== undefined) return `context.${nested[0]} is an object or array; a REST authorizer's context values must be strings, numbers or booleans`;
  }
  if (authorizer.simpleResponses) {
    if (typeof payload.isAuthorized !== 'boolean') return 'a simple response needs a boolean isAuthorized';
    return { kind: 'simple', isAuthorized: payload.isAuthorized, context };
  }
  if (typeof payload.principalId !== 'string') return 'the answer has no principalId string';
  if (payload.policyDocument === undefined) return 'the answer has no policyDocument';
  return { kind: 'policy', principalId: payload.principalId, policyDocument: payload.policyDocument, context };
}

function decide(request: IncomingRequest, match: RouteMatch, context: EventContext, authorizer: LambdaAuthorizer, answer: LambdaAnswer, latencyMs: number, deps: LambdaAuthorizerDeps): AuthOutcome {
  const { api } = authorizer;
  if (answer.kind === 'simple') {
    if (!answer.isAuthorized) return denied(authorizer, 'implicit-deny', 'isAuthorized is false', deps);
  } else {
    const verdict = evaluatePolicy(answer.policyDocument, methodArn(request, match, context));
    if (verdict === 'explicit-deny' || verdict === 'implicit-deny') return denied(authorizer, verdict, verdict === 'explicit-deny' ? 'the policy denies this method' : 'the policy does not allow this method', deps);
    if (verdict !== 'allow') return failed(authorizer, `the policy cannot be read: ${verdict}`, deps);
  }
  if (api === 'http') return { authorizer: { lambda: answer.context } };
  // REST hands the context over with every value a string, beside principalId.
  const values = Object.fromEntries(Object.entries(answer.context).map(([name, value]) => [name, String(value)]));
  return { authorizer: { ...values, principalId: answer.kind === 'policy' ? answer.principalId : '', integrationLatency: latencyMs } };
}

function denied(authorizer: LambdaAuthorizer, verdict: 'explicit-deny' | 'implicit-deny', why: string, deps: LambdaAuthorizerDeps): AuthOutcome {
  deps.writeLog(`emu: authorizer ${authorizer.name}: ${why} (API Gateway answers 403)\n`);
  return { response: authRefusal(authorizer.api, verdict) };
}

function failed(authorizer: LambdaAuthorizer, why: string, deps: LambdaAuthorizerDeps): AuthOutcome {
  deps.writeLog(`emu: authorizer ${authorizer.name}: ${why} (API Gateway answers 500)\n`);
  return { response: authRefusal(authorizer.api, 'failure') };
}
