/**
 * Who is at fault decides what the CLI does: a usage error exits 2 with a
 * one-line message, an internal error exits 3. Function failures are never
 * thrown: they are invocation results (see InvocationResult).
 */
export type EmuErrorKind = 'usage' | 'internal';

export class EmuError extends Error {
  readonly kind: EmuErrorKind;

  constructor(kind: EmuErrorKind, message: string, options?: { cause?: unknown }) {
    super(kind === 'usage' ? oneLine(message) : message, options);
    this.name = 'EmuError';
    this.kind = kind;
  }
}

/**
 * A usage error is one line on stderr. Messages quote what the user typed,
 * which may hold a line break (an argument, a key, a file name): it is shown
 * escaped, as \n, rather than splitting the message.
 */
export function oneLine(message: string): string {
  return message.replace(/\r\n|\r|\n/g, (lineBreak) => JSON.stringify(lineBreak).slice(1, -1));
}

export function usageError(message: string): EmuError {
  return new EmuError('usage', message);
}

export function internalError(message: string, cause?: unknown): EmuError {
  return new EmuError('internal', message, { cause });
}
