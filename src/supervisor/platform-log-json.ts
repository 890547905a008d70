/**
 * The JSON log format's platform records, shaped as Lambda writes them to CloudWatch
 * (the Telemetry API's Event schema: {time, type, record}), and filtered by the
 * system log level with the level AWS gives each record (docs/logging-config.md).
 */
import { functionArn, type FunctionConfig, type InitReport } from '../sandbox/index.js';
import type { SystemLogLevel } from '../sandbox/function-config.js';
import type { InvocationResult } from './invocation-result.js';
import { invocationStatus, type PhaseStatus } from './phase-status.js';
import type { PlatformLogFormat } from './platform-log.js';

const LEVEL_RANK: Record<SystemLogLevel, number> = { DEBUG: 0, INFO: 1, WARN: 2 };

export class JsonPlatformLog implements PlatformLogFormat {
  readonly #config: FunctionConfig;
  readonly #minimumRank: number;

  constructor(config: FunctionConfig, systemLogLevel: SystemLogLevel) {
    this.#config = config;
    this.#minimumRank = LEVEL_RANK[systemLogLevel];
  }

  start(requestId: string): string | undefined {
    return this.#record('INFO', 'platform.start', { requestId, functionArn: functionArn(this.#config), version: this.#config.functionVersion });
  }

  /** The END line's record: DEBUG when the runtime finished, WARN when the environment ended it. */
  end(result: InvocationResult): string | undefined {
    const phase = invocationStatus(result);
    const producedBytes = result.status === 'ok' ? Buffer.byteLength(result.payloadJson) : 0;
    const record = { requestId: result.requestId, ...statusRecord(phase), metrics: { durationMs: roundMs(result.metrics.durationMs), producedBytes } };
    return this.#record(phase.status === 'success' ? 'DEBUG' : 'WARN', 'platform.runtimeDone', record);
  }

  report(result: InvocationResult): string | undefined {
    const { metrics } = result;
    const phase = invocationStatus(result);
    const reportMetrics: Record<string, number> = {
      durationMs: roundMs(metrics.durationMs),
      billedDurationMs: metrics.billedDurationMs,
      memorySizeMB: metrics.memorySizeMb,
      maxMemoryUsedMB: metrics.maxMemoryUsedMb ?? 0,
    };
    if (metrics.initDurationMs !== undefined) reportMetrics.initDurationMs = roundMs(metrics.initDurationMs);
    return this.#record(phase.status === 'success' ? 'INFO' : 'WARN', 'platform.report', { requestId: result.requestId, metrics: reportMetrics, ...statusRecord(phase) });
  }

  /** Only failed inits are reported (as INIT_REPORT is in text): WARN. */
  initReport(report: InitReport): string | undefined {
    const record = { initializationType: 'on-demand', phase: report.phase, ...statusRecord(report), metrics: { durationMs: roundMs(report.durationMs) } };
    return this.#record('WARN', 'platform.initReport', record);
  }

  #record(level: SystemLogLevel, type: string, record: object): string | undefined {
    if (LEVEL_RANK[level] < this.#minimumRank) return undefined;
    return JSON.stringify({ time: new Date().toISOString(), type, record });
  }
}

function statusRecord({ status, errorType }: PhaseStatus): PhaseStatus {
  return errorType === undefined ? { status } : { status, errorType };
}

/** AWS's records carry durations to the microsecond (329.177). */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
