/** A function's output, cut into lines and each prefixed with the function's name, for a server's shared stderr. */
import { StringDecoder } from 'node:string_decoder';

export interface LineTagger {
  write(chunk: Buffer): void;
  /** Writes a last line that had no newline yet. */
  flush(): void;
}

/**
 * How much of a line without its newline yet is held back, so that two functions' lines do not
 * interleave on the shared stderr. A longer line goes out as it comes: holding it whole cost time
 * that grew with the square of its length (30 MB without a newline took emu serve 32 s).
 */
export const MAX_HELD_CHARS = 64 * 1024;

export function lineTagger(tag: string, write: (text: string) => void): LineTagger {
  const prefix = `[${tag}] `;
  // A character cut between two chunks is decoded whole, not as two replacement characters.
  const decoder = new StringDecoder('utf8');
  let held: string[] = [];
  let heldChars = 0;
  /** The line being written has had its prefix already (it was too long to hold). */
  let continuing = false;
  /** The line held so far, with its prefix unless that went out already; nothing is held after. */
  const takeLine = (): string => {
    const line = (continuing ? '' : prefix) + held.join('');
    held = [];
    heldChars = 0;
    return line;
  };
  const hold = (text: string): void => {
    if (text === '') return;
    held.push(text);
    heldChars += text.length;
    if (heldChars <= MAX_HELD_CHARS) return;
    write(takeLine());
    continuing = true;
  };
  return {
    write(chunk) {
      // Lambda writes a multi-line message as one record with \r separators; a terminal wants real lines.
      const text = decoder.write(chunk).replace(/\r(?!\n)/g, '\n');
      const end = text.lastIndexOf('\n');
      if (end < 0) {
        hold(text);
        return;
      }
      const lines = text.slice(0, end).split('\n');
      const first = `${takeLine()}${lines[0] ?? ''}\n`;
      continuing = false;
      write(first + lines.slice(1).map((line) => `${prefix}${line}\n`).join(''));
      hold(text.slice(end + 1));
    },
    flush() {
      hold(decoder.end());
      if (heldChars > 0 || continuing) write(`${takeLine()}\n`);
      continuing = false;
    },
  };
}
