/** Reads the event for `emu run`: a JSON file, stdin ('-'), or {} when none is given. */
import { readFileSync } from 'node:fs';
import { usageError } from '../errors/emu-error.js';

/**
 * Resolves to the event's JSON text, validated; rejects with a usage error naming the file and the place.
 * process.stdin is touched only for '-': building its stream costs every one-shot run milliseconds.
 * A file is read synchronously: before the sandbox's launch, where an async read would start
 * libuv's thread pool (four threads) and wait on it four times, for a file of kilobytes.
 */
export async function readEventJson(source: string | undefined, stdin?: NodeJS.ReadableStream): Promise<string> {
  if (source === undefined) return '{}';
  const label = source === '-' ? 'stdin' : source;
  let text: string;
  try {
    text = source === '-' ? await readAll(stdin ?? process.stdin) : readFileSync(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a folder' : (error as Error).message;
    throw usageError(`cannot read event file ${label}: ${reason}`);
  }
  return validateJson(text, `event ${label === 'stdin' ? 'on stdin' : `file ${label}`}`);
}

/** Checks that text is JSON; returns it trimmed (the payload is passed on as text, never re-serialised). */
export function validateJson(text: string, what: string): string {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw usageError(`${what} is empty: expected JSON`);
  try {
    JSON.parse(trimmed);
  } catch (error) {
    throw usageError(`${what} is not valid JSON: ${describeJsonError(trimmed, error as Error)}`);
  }
  return trimmed;
}

/** V8's message, with the position turned into a line and column a person can find. */
export function describeJsonError(text: string, error: Error): string {
  const message = error.message.replace(/\s*in JSON at position \d+.*$/, '').replace(/, "[\s\S]*" is not valid JSON$/, '');
  const position = /at position (\d+)/.exec(error.message)?.[1];
  const offset = position === undefined ? guessOffset(text, error.message) : Number(position);
  if (offset === undefined) return message;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${message} at line ${line}, column ${column}`;
}

function guessOffset(text: string, message: string): number | undefined {
  if (/Unexpected end of JSON input/.test(message)) return text.length;
  const token = /Unexpected token '(.)'/.exec(message)?.[1];
  if (token === undefined) return undefined;
  const at = text.indexOf(token);
  return at === -1 ? undefined : at;
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer | string) => chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
    stream.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.once('error', reject);
  });
}
