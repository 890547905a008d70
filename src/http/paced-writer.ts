/** A streamed HTTP body written at the client's pace: the caller's next chunk waits for the last to drain. */
import type { ServerResponse } from 'node:http';

/** Writes that wait for the client to take the last one: a slow client holds the function back. */
export function pacedWriter(res: ServerResponse): { write(bytes: Buffer): Promise<void>; gone(): boolean } {
  let gone = false;
  let wake: (() => void) | undefined;
  res.on('drain', () => wake?.());
  res.once('close', () => {
    gone = true;
    wake?.();
  });
  return {
    gone: () => gone,
    write: (bytes) => (gone || res.write(bytes) ? Promise.resolve() : new Promise<void>((resolve) => (wake = resolve))),
  };
}
