/**
 * How `emu run --stream` looks: the stdout line of each record, the summary
 * tables and the progress line on stderr, and log lines tagged with the input
 * line they belong to, so that concurrent invocations can be told apart.
 */
import { fixed } from './number-format.js';
import Table from 'cli-table3';
import type { Distribution, StreamRecord, StreamSummaryReport } from '../stream/index.js';
import { displayLog, toJsonRecord } from './render.js';
import { monotonicMs } from '../measure/clock.js';

/** One NDJSON line: the payload (AWS's error payload for a failure), or with --json a record carrying the line number. */
export function formatStreamLine(record: StreamRecord, json: boolean): string {
  if (record.kind === 'result') {
    const { result } = record;
    if (json) return `${JSON.stringify({ line: record.line, ...toJsonRecord(result) })}\n`;
    // NDJSON needs one JSON value a line, the payload as --json's record has it: a pretty-printed
    // payload on one line, and a body that is not JSON (a streamed text body, a custom runtime's
    // bytes) as a JSON string. parsePayload keeps such a body as its own text, and no JSON text
    // parses to itself.
    const notJson = result.payload === result.payloadJson;
    return `${notJson || result.payloadJson.includes('\n') ? JSON.stringify(result.payload) : result.payloadJson}\n`;
  }
  if (!json) return `${JSON.stringify(record.error)}\n`;
  const none = null;
  return `${JSON.stringify({
    line: record.line,
    requestId: record.requestId,
    status: 'error',
    error: record.error,
    coldStart: none,
    initDurationMs: none,
    durationMs: none,
    billedDurationMs: none,
    memorySizeMb: none,
    maxMemoryUsedMb: none,
    peakRssBytes: none,
    peakRssMethod: none,
    callerLatencyMs: none,
  })}\n`;
}

const REQUEST_ID_AT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/y;

/**
 * The first request-id-shaped string in a record, as /[0-9a-f]{8}-…/.exec would find it, tried only
 * where a dash is eight characters in. A regular expression scanning every character took 3 ms per
 * MB of plain text and 26 ms per MB of hex (a function logging 100 MB cost the CLI seconds); most
 * long lines have few dashes or none.
 */
export function firstRequestId(record: string): string | undefined {
  for (let dash = record.indexOf('-', 8); dash !== -1; dash = record.indexOf('-', dash + 1)) {
    REQUEST_ID_AT.lastIndex = dash - 8;
    const match = REQUEST_ID_AT.exec(record);
    if (match !== null) return match[0];
  }
  return undefined;
}

/** Prefixes each log record with [#line] when it names a request id in flight (Lambda's text and JSON formats both do). */
export function tagLogChunk(chunk: Buffer, lineOf: (requestId: string) => number | undefined): string {
  const text = chunk.toString('utf8');
  const tagged = text.replace(/[^\n]+/g, (record) => {
    const requestId = firstRequestId(record);
    const line = requestId === undefined ? undefined : lineOf(requestId);
    return line === undefined ? record : `[#${line}] ${record}`;
  });
  return displayLog(Buffer.from(tagged, 'utf8'));
}

export function tagPlatformLine(line: string, requestId: string, lineOf: (requestId: string) => number | undefined): string {
  return `[#${lineOf(requestId) ?? '?'}] ${line}\n`;
}

export interface StreamRunDescription {
  mode: 'cold' | 'warm' | 'remote';
  concurrency: number;
  /** With --remote: where the events went, and the client's retries. */
  remote?: {
    target: string;
    figures: string;
    retries: { throttled: number; 'server-error': number; 'connection-failed': number; total: number };
    gaveUp: number;
    timeouts: number;
    withoutReport: number;
  };
  /** The function's build, before the first event: never in any event's figures. */
  build?: { durationMs: number | null; cacheHit: boolean };
}

/** The summary as two plain tables (no colours: stderr may be a file). */
export function renderSummary(report: StreamSummaryReport, run: StreamRunDescription): string {
  const style = { head: [], border: [], compact: true };
  const counts = new Table({ style, colAligns: ['left', 'right'] });
  const built = run.build === undefined ? '' : `, built in ${run.build.durationMs ?? 0} ms${run.build.cacheHit ? ' (cached)' : ''}`;
  const reported = run.remote === undefined ? '' : ', figures reported by the service';
  const title = `emu --stream (${run.mode}, -c ${run.concurrency}${built}${reported})${report.interrupted ? ': INTERRUPTED, what finished' : ''}`;
  counts.push([{ colSpan: 2, content: title }]);
  counts.push(['Events', int(report.events)], ['Succeeded', int(report.succeeded)], ['Failed', int(report.failed)]);
  for (const [errorType, count] of Object.entries(report.failedByErrorType)) counts.push([`  ${errorType}`, int(count)]);
  counts.push(['Timeouts', int(report.timeouts)], ['Events/s', fixed(report.eventsPerSecond, 1)]);
  if (run.remote !== undefined) pushRemoteRows(counts, run.remote);
  const { billed } = report;
  counts.push(['Billed Duration (total)', `${int(billed.durationMs)} ms`]);
  counts.push([`GB-seconds at ${billed.memorySizeMb} MB`, fixed(billed.gbSeconds, 6)]);
  counts.push(['Est. cost x86_64', usd(billed.estimatedCostUsd.x86_64)], ['Est. cost arm64', usd(billed.estimatedCostUsd.arm64)]);

  const columns = ['count', 'min', 'p50', 'p90', 'p99', 'max', 'mean', 'stddev'] as const;
  const distributions = new Table({ style, head: ['', ...columns], colAligns: ['left', ...columns.map(() => 'right' as const)] });
  const row = (label: string, d: Distribution, decimals: number): string[] => [
    label,
    int(d.count),
    ...columns.slice(1).map((column) => optional(d[column as Exclude<typeof column, 'count'>], decimals)),
  ];
  distributions.push(
    row('Duration (ms), succeeded', report.durationMs, 2),
    row('Init Duration (ms), cold starts', report.initDurationMs, 2),
    row('Max Memory Used (MB)', report.maxMemoryUsedMb, 0),
  );
  if (report.timeToFirstByteMs !== undefined) distributions.push(row('Time To First Byte (ms), succeeded', report.timeToFirstByteMs, 2));
  if (report.bytesStreamed !== undefined) distributions.push(row('Bytes Streamed, succeeded', report.bytesStreamed, 0));
  return `${counts.toString()}\n${distributions.toString()}\n`;
}

/** The client's side of a remote stream: retries by cause, and what was given up. */
function pushRemoteRows(counts: InstanceType<typeof Table>, remote: NonNullable<StreamRunDescription['remote']>): void {
  const { retries } = remote;
  counts.push(['Retries', int(retries.total)]);
  counts.push(['  throttled (429)', int(retries.throttled)], ['  service errors (5xx)', int(retries['server-error'])]);
  counts.push(['  connection failed, may have run', int(retries['connection-failed'])]);
  counts.push(['Given up after retries', int(remote.gaveUp)], ['Client timeouts', int(remote.timeouts)]);
}

function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function optional(value: number | null, decimals: number): string {
  return value === null ? '-' : fixed(value, decimals);
}

/** Three significant digits without exponent notation: $0.000000565, $0.0123, $12.35. */
function usd(value: number): string {
  if (value === 0) return '$0';
  const decimals = Math.min(20, Math.max(2, 2 - Math.floor(Math.log10(value))));
  return `$${value.toFixed(decimals)}`;
}

export interface ProgressSnapshot {
  events: number;
  failed: number;
  inFlight?: number;
}

const CLEAR_LINE = '\r\u001b[2K';
const REDRAW_EVERY_MS = 200;

/**
 * stderr for the stream: logs and messages pass through, and on a terminal a
 * progress line is redrawn in place below them. Off a terminal no progress is
 * written at all, so a log file holds only logs.
 */
export class StreamStderr {
  readonly #stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly #snapshot: () => ProgressSnapshot;
  #timer: NodeJS.Timeout | null = null;
  #shown = false;
  #startedAt = monotonicMs();

  constructor(stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, snapshot: () => ProgressSnapshot) {
    this.#stderr = stderr;
    this.#snapshot = snapshot;
  }

  get isTerminal(): boolean {
    return this.#stderr.isTTY === true;
  }

  startProgress(): void {
    if (!this.isTerminal || this.#timer !== null) return;
    this.#startedAt = monotonicMs();
    this.#timer = setInterval(() => this.#draw(), REDRAW_EVERY_MS);
    this.#timer.unref();
  }

  /** Stops and erases the progress line, so that what follows starts on a clean line. */
  stopProgress(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#erase();
  }

  write(text: string): void {
    this.#erase(); // redrawn at the next tick, below this text
    this.#stderr.write(text);
  }

  #erase(): void {
    if (!this.#shown) return;
    this.#stderr.write(CLEAR_LINE);
    this.#shown = false;
  }

  #draw(): void {
    const { events, failed, inFlight } = this.#snapshot();
    const seconds = (monotonicMs() - this.#startedAt) / 1000;
    const rate = seconds > 0 ? events / seconds : 0;
    const parts = [`emu: ${int(events)} done`, `${fixed(rate, 1)}/s`, `${int(failed)} failed`];
    if (inFlight !== undefined) parts.push(`${inFlight} running`);
    parts.push(`${fixed(seconds, 1)} s`);
    const columns = this.#stderr.columns || 80; // 0 when the terminal does not say
    const text = parts.join(' · ').slice(0, Math.max(20, columns - 1));
    this.#stderr.write(`${CLEAR_LINE}${text}`);
    this.#shown = true;
  }
}
