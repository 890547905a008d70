/**
 * A young-generation collection after every few MiB streamed through the supervisor. Each chunk of
 * a streamed body is a fresh Buffer from Node's HTTP parser, dead once written to the client, and
 * freed only when V8 collects it; V8 collects when its young generation fills with JS objects,
 * which a stream makes few of, so dead chunks piled up to 20-26 MB between collections (measured
 * with process.memoryUsage().arrayBuffers and --trace-gc while 100 MB streamed) and RSS grew by
 * as much. A scavenge of a young generation that holds little but dead chunks takes about 1 ms.
 *
 * The collector is taken with --expose-gc set only while one new context is made, so no other
 * code (nor a test suite that embeds emu) gets a global gc(). Where V8 refuses, pacing is off.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes streamed between two collections: the most dead chunks the supervisor holds. */
export const SCAVENGE_EVERY_BYTES = 4 * 1024 * 1024;

type Collector = (options: { type: 'minor' }) => void;

let collector: Collector | null | undefined;
let bytesSinceScavenge = 0;

/** Counts bytes passed on by a stream, and collects the young generation every SCAVENGE_EVERY_BYTES. */
export function paceScavenges(byteCount: number): void {
  bytesSinceScavenge += byteCount;
  if (bytesSinceScavenge < SCAVENGE_EVERY_BYTES) return;
  bytesSinceScavenge = 0;
  collector ??= takeCollector();
  collector?.({ type: 'minor' });
}

function takeCollector(): Collector | null {
  const global: unknown = (globalThis as { gc?: unknown }).gc; // node --expose-gc: already there, flags left alone
  if (typeof global === 'function') return global as Collector;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as Collector) : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
