/**
 * Lambda's own log lines in the function's log format, chosen once per function
 * from its LoggingConfig: Text, the START / END / REPORT lines CloudWatch shows
 * (tab-separated), or JSON, the platform.* records Lambda writes instead
 * (platform-log-json.ts). Each method gives the line, or undefined when the
 * system log level filters the record out.
 */
import type { FunctionConfig, InitReport } from '../sandbox/index.js';
import type { InvocationMetrics, InvocationResult } from './invocation-result.js';
import { statusOf, type PhaseStatus } from './phase-status.js';
import { JsonPlatformLog } from './platform-log-json.js';

export interface PlatformLogFormat {
  start(requestId: string): string | undefined;
  /** END in text; platform.runtimeDone in JSON. */
  end(result: InvocationResult): string | undefined;
  report(result: InvocationResult): string | undefined;
  /** INIT_REPORT: printed by AWS only for an init that failed or passed its limit. */
  initReport(report: InitReport): string | undefined;
}

export function platformLogFormat(config: FunctionConfig): PlatformLogFormat {
  return config.logging?.format === 'JSON' ? new JsonPlatformLog(config, config.logging.systemLogLevel ?? 'INFO') : new TextPlatformLog(config);
}

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
  // emu's own fields, for a streamed response only (AWS's REPORT line has no such fields).
  if (metrics.timeToFirstByteMs !== undefined) fields.push(`Time To First Byte: ${metrics.timeToFirstByteMs.toFixed(2)} ms`);
  if (metrics.bytesStreamed !== undefined) fields.push(`Bytes Streamed: ${metrics.bytesStreamed}`);
  return [...fields, ...statusFields(statusOf(errorType, metrics.sandboxLost))].join('\t');
}

/** `INIT_REPORT Init Duration: 150.79 ms<TAB>Phase: init<TAB>Status: error<TAB>Error Type: Runtime.UserCodeSyntaxError` */
export function initReportLine(report: InitReport): string {
  return [`INIT_REPORT Init Duration: ${report.durationMs.toFixed(2)} ms`, `Phase: ${report.phase}`, ...statusFields(report)].join('\t');
}

function statusFields({ status, errorType }: PhaseStatus): string[] {
  if (status === 'success') return [];
  return errorType === undefined ? [`Status: ${status}`] : [`Status: ${status}`, `Error Type: ${errorType}`];
}

class TextPlatformLog implements PlatformLogFormat {
  readonly #version: string;

  constructor(config: FunctionConfig) {
    this.#version = config.functionVersion;
  }

  start(requestId: string): string {
    return startLine(requestId, this.#version);
  }

  end(result: InvocationResult): string {
    return endLine(result.requestId);
  }

  report(result: InvocationResult): string {
    return reportLine(result.requestId, result.metrics, result.error?.errorType);
  }

  initReport(report: InitReport): string {
    return initReportLine(report);
  }
}
