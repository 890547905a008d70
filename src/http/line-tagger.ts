/** A function's output, cut into lines and each prefixed with the function's name, for a server's shared stderr. */
export interface LineTagger {
  write(chunk: Buffer): void;
  /** Writes a last line that had no newline yet. */
  flush(): void;
}

export function lineTagger(tag: string, write: (text: string) => void): LineTagger {
  let partial = '';
  const prefix = `[${tag}] `;
  return {
    write(chunk) {
      // Lambda writes a multi-line message as one record with \r separators; a terminal wants real lines.
      const text = partial + chunk.toString('utf8').replace(/\r(?!\n)/g, '\n');
      const end = text.lastIndexOf('\n');
      if (end < 0) {
        partial = text;
        return;
      }
      partial = text.slice(end + 1);
      write(
        text
          .slice(0, end)
          .split('\n')
          .map((line) => `${prefix}${line}\n`)
          .join(''),
      );
    },
    flush() {
      if (partial !== '') write(`${prefix}${partial}\n`);
      partial = '';
    },
  };
}
