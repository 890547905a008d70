/**
 * Who is at fault decides what the CLI does: a usage error exits 2 with a
 * one-line message, an internal error exits 3. Function failures are never
 * thrown: they are invocation results (see InvocationResult).
 */
export type EmuErrorKind = 'usage' | 'internal';

export class EmuError extends Error {
  readonly kind: EmuErrorKind;

  constructor(kind: EmuErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmuError';
    this.kind = kind;
  }
}

export function usageError(message: string): EmuError {
  return new EmuError('usage', message);
}

export function internalError(message: string, cause?: unknown): EmuError {
  return new EmuError('internal', message, { cause });
}
