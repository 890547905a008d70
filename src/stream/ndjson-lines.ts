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
  /** The line without its line break and the JSON whitespace around it (space, tab, CR). */
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
      const trimmed = trimJsonWhitespace(pending.length === 0 ? piece : pending.join('') + piece);
      pending = [];
      start = end + 1;
      if (trimmed !== '') yield { line, text: trimmed };
    }
    if (start < text.length) pending.push(text.slice(start));
  }
  const last = trimJsonWhitespace(pending.join('') + decoder.end());
  if (last !== '') yield { line: line + 1, text: last };
}

/**
 * Only what JSON.parse itself skips. String#trim also takes Unicode spaces (U+00A0, U+2028,
 * U+FEFF …): a line of those would vanish as "blank" instead of getting its Emu.InvalidJSON record.
 */
function trimJsonWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isJsonWhitespace(text.charCodeAt(start))) start += 1;
  while (end > start && isJsonWhitespace(text.charCodeAt(end - 1))) end -= 1;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
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
