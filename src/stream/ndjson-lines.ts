/**
 * NDJSON input split into numbered lines, pulled chunk by chunk so that a
 * stream of any length is never held whole. The text of each line is kept as
 * is: events are handed to the handler exactly as written, never re-serialised
 * (JSON.parse + JSON.stringify would round integers past 2^53, for one).
 */
import { StringDecoder } from 'node:string_decoder';

export interface NdjsonLine {
  /** 1-based; blank lines are skipped but still counted, so numbers match an editor's. */
  line: number;
  /** The line without its line break and surrounding whitespace. */
  text: string;
}

/** Yields every non-blank line of input; pulls the next chunk only when asked for the next line (back-pressure). */
export async function* readNdjsonLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<NdjsonLine> {
  const decoder = new StringDecoder('utf8'); // a multi-byte character may straddle two chunks
  // The unfinished line's pieces, joined once its line break arrives: concatenating and
  // re-slicing a growing string per chunk would make one very long line quadratic.
  let pending: string[] = [];
  let line = 0;
  let first = true;
  for await (const chunk of input) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text.length > 0) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      line += 1;
      const piece = text.slice(start, end);
      const trimmed = (pending.length === 0 ? piece : pending.join('') + piece).trim();
      pending = [];
      start = end + 1;
      if (trimmed !== '') yield { line, text: trimmed };
    }
    if (start < text.length) pending.push(text.slice(start));
  }
  const last = (pending.join('') + decoder.end()).trim();
  if (last !== '') yield { line: line + 1, text: last };
}

/** undefined if text is one JSON value; otherwise V8's reason, with the position as a column. */
export function jsonProblem(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return message.replace(/ in JSON at position (\d+).*$/, (_, position: string) => ` at column ${Number(position) + 1}`);
  }
}
