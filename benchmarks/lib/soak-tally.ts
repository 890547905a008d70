/** Counts what each kind of soak event answered, and which answers were wrong. */
import { EXPECTED, type EventKind, isCollateral, matches } from './soak-mix.js';

/** What API Gateway answers for any function error: it shows no errorType. */
export const API_GATEWAY_ERROR = 'API Gateway 502';

/** An answer as the soak sees it: `ok` (a payload), an AWS errorType, or what the transport said. */
export interface Answer {
  errorType: string;
  errorMessage?: string;
}

export class Tally {
  readonly byKind = new Map<EventKind, Map<string, number>>();
  answered = 0;
  mismatches = 0;
  collateral = 0;
  readonly examples: string[] = [];

  /** `allowed` overrides the kind's expected outcomes (API Gateway answers show no errorType). */
  record(kind: EventKind, index: number, answer: Answer, allowed?: (answer: Answer) => boolean): void {
    this.answered += 1;
    const counts = this.byKind.get(kind) ?? new Map<string, number>();
    this.byKind.set(kind, counts);
    counts.set(answer.errorType, (counts.get(answer.errorType) ?? 0) + 1);
    const expected = allowed === undefined ? matches(kind, answer.errorType, answer.errorMessage) : allowed(answer);
    if (expected) return;
    // Through API Gateway a collateral failure is a 502 like any other: the late-rejection bound still holds.
    if (isCollateral(answer) || answer.errorType === API_GATEWAY_ERROR) {
      this.collateral += 1;
      return;
    }
    this.mismatches += 1;
    if (this.examples.length < 10) this.examples.push(`event ${index} (${kind}): ${answer.errorType}${answer.errorMessage ? ` "${answer.errorMessage.slice(0, 160)}"` : ''}`);
  }

  /** Each late-rejection may take down one more invocation; collateral beyond that is a mismatch. */
  settleCollateral(lateRejections: number): void {
    const excess = Math.max(0, this.collateral - lateRejections);
    if (excess > 0) this.examples.push(`${this.collateral} collateral failures for ${lateRejections} late rejections`);
    this.mismatches += excess;
  }

  count(kind: EventKind, answer: string): number {
    return this.byKind.get(kind)?.get(answer) ?? 0;
  }

  /** "12 Sandbox.Timedout, 1 ok" */
  describe(kind: EventKind): string {
    const counts = [...(this.byKind.get(kind) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]);
    return counts.map(([answer, n]) => `${n.toLocaleString('en')} ${answer}`).join(', ') || '—';
  }
}

export function describeExpected(kind: EventKind): string {
  return EXPECTED[kind].map((o) => (o.messageIncludes === undefined ? o.errorType : `${o.errorType} ("${o.messageIncludes}")`)).join(' or ');
}

/** An output line of `emu run --stream` (the payload or AWS's error payload) as an answer. */
export function answerOfLine(line: string): Answer {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { errorType: '(not JSON)', errorMessage: line.slice(0, 160) };
  }
  return answerOfPayload(value);
}

export function answerOfPayload(value: unknown): Answer {
  if (value !== null && typeof value === 'object' && typeof (value as { errorType?: unknown }).errorType === 'string') {
    const { errorType, errorMessage } = value as { errorType: string; errorMessage?: unknown };
    return { errorType, errorMessage: String(errorMessage ?? '') };
  }
  return { errorType: 'ok' };
}
