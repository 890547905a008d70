/**
 * The events a benchmark repeats: read whole (they are replayed every run),
 * each line checked before any sandbox starts, and hashed so that a baseline
 * can tell whether it was measured on the same events.
 */
import { createHash } from 'node:crypto';
import { usageError } from '../errors/emu-error.js';
import { jsonProblem, readNdjsonLines } from '../stream/index.js';

export interface BenchEvent {
  /** The line in the events file; 0 for the default {}. */
  line: number;
  /** The event's JSON text, sent as is. */
  json: string;
}

export interface BenchEvents {
  events: BenchEvent[];
  /** sha256 (hex) of the events' texts joined by "\n": blank lines and surrounding whitespace do not change it, order does. */
  sha256: string;
}

const DEFAULT_EVENTS: readonly BenchEvent[] = [{ line: 0, json: '{}' }];

/** undefined input: the one event {}. A bad line is a usage error naming the line. */
export async function readBenchEvents(input: AsyncIterable<Buffer | string> | undefined, label: string): Promise<BenchEvents> {
  if (input === undefined) return withHash([...DEFAULT_EVENTS]);
  const events: BenchEvent[] = [];
  try {
    for await (const { line, text } of readNdjsonLines(input)) {
      const problem = jsonProblem(text);
      if (problem !== undefined) throw usageError(`${label} line ${line} is not valid JSON: ${problem}`);
      events.push({ line, json: text });
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'EmuError') throw error;
    throw usageError(`cannot read ${label}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (events.length === 0) throw usageError(`${label} holds no events: expected one JSON event per line`);
  return withHash(events);
}

function withHash(events: BenchEvent[]): BenchEvents {
  const sha256 = createHash('sha256')
    .update(events.map((event) => event.json).join('\n'))
    .digest('hex');
  return { events, sha256 };
}
