/**
 * A function ARN as an API or a Function URL names its target → the function
 * of the template it reaches: `arn:aws:lambda:…:function:Name[:qualifier]`,
 * API Gateway's invoke URI around it
 * (`arn:aws:apigateway:…:lambda:path/2015-03-31/functions/<arn>/invocations`),
 * or a bare name (a `Ref` gives the function's name).
 */
import { textOf } from './plain-data.js';
import type { TemplateFunction } from './template-function.js';

export type FunctionTarget = { ok: true; fn: TemplateFunction; qualifier?: string } | { ok: false; reason: string };

const INVOKE_URI = /^arn:[\w-]+:apigateway:[^:]*:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/;
const FUNCTION_ARN = /^arn:[\w-]+:lambda:[^:]*:\d*:function:([^:]+)(?::([^:]+))?$/;

export function functionTarget(value: unknown, functions: readonly TemplateFunction[]): FunctionTarget {
  if (typeof value !== 'string') return { ok: false, reason: `its target ${textOf(value)} is not a function of this template (it cannot be resolved locally)` };
  const arn = INVOKE_URI.exec(value)?.[1] ?? value;
  const parts = FUNCTION_ARN.exec(arn);
  if (parts === null && arn.includes(':')) return { ok: false, reason: `its target ${value} is not a Lambda function ARN` };
  const name = parts?.[1] ?? arn;
  const qualifier = parts?.[2];
  const fn = functions.find((candidate) => candidate.functionName === name) ?? functions.find((candidate) => candidate.logicalId === name);
  if (fn === undefined) return { ok: false, reason: `its target function ${name} is not one emu runs from this template` };
  return qualifier === undefined ? { ok: true, fn } : { ok: true, fn, qualifier };
}
