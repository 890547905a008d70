/** How an invocation or an init ended, as Lambda's REPORT line and platform records say it. */
import { ErrorTypes } from '../errors/catalogue.js';
import type { InvocationResult } from './invocation-result.js';

export interface PhaseStatus {
  status: 'success' | 'error' | 'timeout';
  errorType?: string;
}

/**
 * A handler's error is the runtime's success: it caught it and posted it (AWS's answer in
 * aws-samples/aws-lambda-extensions#85). Only an environment that ended the invocation
 * (its deadline, a crash, memory) reports something else.
 */
export function invocationStatus(result: InvocationResult): PhaseStatus {
  return statusOf(result.error?.errorType, result.metrics.sandboxLost);
}

export function statusOf(errorType: string | undefined, sandboxLost: boolean): PhaseStatus {
  if (errorType === ErrorTypes.timedOut) return { status: 'timeout' };
  if (sandboxLost && errorType !== undefined) return { status: 'error', errorType };
  return { status: 'success' };
}

