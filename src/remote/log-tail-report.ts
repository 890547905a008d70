/**
 * The REPORT line of an Invoke's log tail (`LogType: Tail`, X-Amz-Log-Result):
 * the service's own Duration, Billed Duration, Memory Size, Max Memory Used and
 * Init Duration. The tail is the last 4 KB of the invocation's log, in the text
 * format or as JSON platform.report records (a function with LogFormat JSON).
 */
export interface ReportedFigures {
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb?: number;
  initDurationMs?: number;
}

/** Compiled once: the tail of every invocation is read with them. */
const TEXT_FIELDS = new Map(['Duration', 'Billed Duration', 'Memory Size', 'Max Memory Used', 'Init Duration'].map((name) => [name, new RegExp(`\\t${name}: ([\\d.]+) (?:ms|MB)`)]));

/** `tail` is the log tail decoded (X-Amz-Log-Result is base64: the caller decodes it once, for this and for the log lines). */
export function parseLogTail(tail: string | undefined): ReportedFigures | undefined {
  if (tail === undefined || tail === '') return undefined;
  const lines = tail.split('\n');
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const line = lines[index] as string;
    const figures = line.startsWith('REPORT RequestId:') ? fromTextLine(line) : line.includes('"platform.report"') ? fromJsonRecord(line) : undefined;
    if (figures !== undefined) return figures;
  }
  return undefined;
}

function fromTextLine(line: string): ReportedFigures | undefined {
  const read = (name: string): number | undefined => {
    const match = (TEXT_FIELDS.get(name) as RegExp).exec(line);
    return match === null ? undefined : Number(match[1]);
  };
  const durationMs = read('Duration');
  const billedDurationMs = read('Billed Duration');
  const memorySizeMb = read('Memory Size');
  if (durationMs === undefined || billedDurationMs === undefined || memorySizeMb === undefined) return undefined;
  return withOptional({ durationMs, billedDurationMs, memorySizeMb }, read('Max Memory Used'), read('Init Duration'));
}

interface JsonReport {
  type?: unknown;
  record?: { metrics?: Record<string, unknown> };
}

function fromJsonRecord(line: string): ReportedFigures | undefined {
  let parsed: JsonReport;
  try {
    parsed = JSON.parse(line) as JsonReport;
  } catch {
    return undefined;
  }
  const metrics = parsed.type === 'platform.report' ? parsed.record?.metrics : undefined;
  const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  const durationMs = number(metrics?.durationMs);
  const billedDurationMs = number(metrics?.billedDurationMs);
  const memorySizeMb = number(metrics?.memorySizeMB);
  if (durationMs === undefined || billedDurationMs === undefined || memorySizeMb === undefined) return undefined;
  return withOptional({ durationMs, billedDurationMs, memorySizeMb }, number(metrics?.maxMemoryUsedMB), number(metrics?.initDurationMs));
}

function withOptional(figures: ReportedFigures, maxMemoryUsedMb: number | undefined, initDurationMs: number | undefined): ReportedFigures {
  if (maxMemoryUsedMb !== undefined) figures.maxMemoryUsedMb = maxMemoryUsedMb;
  if (initDurationMs !== undefined) figures.initDurationMs = initDurationMs;
  return figures;
}
