/**
 * A build that fails is the user's to fix: a usage error whose message is esbuild's own
 * diagnostics, `file:line:col: text`, one per line, under a line naming the function.
 */
import path from 'node:path';
import type { Message } from 'esbuild';
import { EmuError, oneLine } from '../errors/emu-error.js';

export class BuildError extends EmuError {
  readonly functionName: string;
  /** esbuild's errors, one line each. */
  readonly diagnostics: readonly string[];

  constructor(functionName: string, diagnostics: string[]) {
    super('usage', `${functionName}: build failed`);
    this.name = 'BuildError';
    this.functionName = functionName;
    this.diagnostics = diagnostics.map(oneLine);
    // Several lines on purpose: the one-line rule keeps a quoted input on one line, and each diagnostic is already one.
    this.message = [`${functionName}: build failed`, ...this.diagnostics].join('\n');
  }
}

/** esbuild's message as its CLI prints the location (1-based line, 0-based column), the file relative to the current folder when inside it. */
export function formatMessage(message: Pick<Message, 'text' | 'location'>, workingDir: string): string {
  const location = message.location;
  if (location === null) return message.text;
  const absolute = path.resolve(workingDir, location.file);
  const relative = path.relative(process.cwd(), absolute);
  const file = relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
  return `${file}:${location.line}:${location.column}: ${message.text}`;
}

/** Whether a thrown value is esbuild's BuildFailure (an Error carrying its messages). */
export function isBuildFailure(error: unknown): error is Error & { errors: Message[]; warnings: Message[] } {
  return error instanceof Error && Array.isArray((error as { errors?: unknown }).errors);
}
