/** Lambda's own log lines (START / END / REPORT), tab-separated as CloudWatch shows them. */
import { ErrorTypes } from '../errors/catalogue.js';
import type { InvocationMetrics } from './invocation-result.js';

export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export function reportLine(requestId: string, metrics: InvocationMetrics, errorType: string | undefined): string {
  const fields = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${metrics.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${metrics.billedDurationMs} ms`,
    `Memory Size: ${metrics.memorySizeMb} MB`,
    `Max Memory Used: ${metrics.maxMemoryUsedMb ?? 0} MB`,
  ];
  if (metrics.initDurationMs !== undefined) fields.push(`Init Duration: ${metrics.initDurationMs.toFixed(2)} ms`);
  if (errorType === ErrorTypes.timedOut) fields.push('Status: timeout');
  else if (metrics.sandboxLost && errorType !== undefined) fields.push('Status: error', `Error Type: ${errorType}`);
  return fields.join('\t');
}
