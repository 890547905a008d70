/**
 * `--env-file FILE`: dotenv files as the dotenv package reads them: KEY=value
 * lines, `export` prefixes, # comments, single quotes literal, double quotes
 * with \n escapes, quoted values over several lines. No $VAR expansion (dotenv
 * itself does not expand either). A line that is none of these is refused with
 * its line number rather than skipped, so a typo cannot silently drop a variable.
 */
import { readFile } from 'node:fs/promises';
import { usageError } from '../errors/emu-error.js';

const KEY = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*/;
const DOUBLE_QUOTE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

export async function readDotenvFile(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read env file ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  return parseDotenv(text, file);
}

export function parseDotenv(text: string, source: string): Record<string, string> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const env: Record<string, string> = {};
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] as string;
    if (/^\s*(#.*)?$/.test(line)) continue;
    const match = KEY.exec(line.trimStart());
    if (match === null) throw usageError(`${source}:${index + 1}: expected KEY=VALUE, got '${line.trim().slice(0, 40)}'`);
    const rest = line.trimStart().slice(match[0].length);
    const parsed = parseValue(rest, lines, index, source);
    env[match[1] as string] = parsed.value;
    index = parsed.lastLine;
  }
  return env;
}

interface ParsedValue {
  value: string;
  /** The index of the value's last line: a quoted value may span several. */
  lastLine: number;
}

function parseValue(rest: string, lines: string[], index: number, source: string): ParsedValue {
  const quote = rest[0];
  if (quote !== '"' && quote !== "'" && quote !== '`') {
    // Unquoted: a # after whitespace starts a comment.
    return { value: rest.replace(/\s+#.*$/, '').trim(), lastLine: index };
  }
  let text = rest.slice(1);
  let lastLine = index;
  let end = closingQuote(text, quote);
  while (end === -1 && lastLine + 1 < lines.length) {
    lastLine += 1;
    text += `\n${lines[lastLine] as string}`;
    end = closingQuote(text, quote);
  }
  if (end === -1) throw usageError(`${source}:${index + 1}: the value's ${quote} quote is never closed`);
  const after = text.slice(end + 1);
  if (!/^\s*(#.*)?$/.test(after)) throw usageError(`${source}:${lastLine + 1}: unexpected text after the closing ${quote}: '${after.trim().slice(0, 40)}'`);
  const raw = text.slice(0, end);
  const value = quote === '"' ? raw.replace(/\\(.)/g, (all, char: string) => DOUBLE_QUOTE_ESCAPES[char] ?? all) : raw;
  return { value, lastLine };
}

/** The index of the closing quote; in double quotes a backslash escapes the next character. */
function closingQuote(text: string, quote: string): number {
  for (let i = 0; i < text.length; i += 1) {
    if (quote === '"' && text[i] === '\\') i += 1;
    else if (text[i] === quote) return i;
  }
  return -1;
}
