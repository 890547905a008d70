/**
 * `emu run` of a streaming function: its bytes go to stdout as they come, exactly as written (no
 * newline added: the body may be binary), and a slow stdout holds the handler back.
 */
import type { ResponseStream } from '../supervisor/index.js';

export interface StdoutStreamer {
  onResponseStream(stream: ResponseStream): void;
  /** Settles once every streamed byte has been handed to stdout; true if the function streamed. */
  finished(): Promise<boolean>;
}

export function streamToStdout(stdout: NodeJS.WritableStream): StdoutStreamer {
  let copying: Promise<void> | undefined;
  return {
    onResponseStream(stream) {
      copying = (async () => {
        for await (const chunk of stream) {
          if (!stdout.write(chunk)) await new Promise((resolve) => stdout.once('drain', resolve));
        }
      })();
    },
    async finished() {
      if (copying === undefined) return false;
      await copying;
      return true;
    },
  };
}
