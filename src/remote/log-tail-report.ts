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

const TEXT_FIELD = (name: string): RegExp => new RegExp(`\\t${name}: ([\\d.]+) (?:ms|MB)`);

export function parseLogTail(logResultBase64: string | undefined): ReportedFigures | undefined {
  if (logResultBase64 === undefined || logResultBase64 === '') return undefined;
  const lines = Buffer.from(logResultBase64, 'base64').toString('utf8').split('\n');
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const line = lines[index] as string;
    const figures = line.startsWith('REPORT RequestId:') ? fromTextLine(line) : line.includes('"platform.report"') ? fromJsonRecord(line) : undefined;
    if (figures !== undefined) return figures;
  }
  return undefined;
}

function fromTextLine(line: string): ReportedFigures | undefined {
  const read = (name: string): number | undefined => {
    const match = TEXT_FIELD(name).exec(line);
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
