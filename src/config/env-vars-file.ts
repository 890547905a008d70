/**
 * `--env-vars FILE`: SAM CLI's JSON, `{"<FunctionName|LogicalId>": {K: v}, "Parameters": {K: v}}`
 * where the function's block beats Parameters, or a flat `{"K": "v"}` object.
 * Values are stringified as SAM does: booleans "true"/"false", numbers as
 * written, null, lists and maps (unresolved intrinsics) "".
 */
import { readFile } from 'node:fs/promises';
import { usageError } from '../errors/emu-error.js';

export interface EnvVarsFile {
  file: string;
  shape: 'sam' | 'flat';
  /** SAM's Parameters block; for a flat file, empty. */
  parameters: Record<string, string>;
  /** SAM's function blocks by key; for a flat file, empty. */
  functions: Record<string, Record<string, string>>;
  /** A flat file's variables; for SAM's shape, empty. */
  flat: Record<string, string>;
}

export async function readEnvVarsFile(file: string): Promise<EnvVarsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read --env-vars file ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw usageError(`--env-vars file ${file} is not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  return parseEnvVars(data, file);
}

export function parseEnvVars(data: unknown, file: string): EnvVarsFile {
  if (!isMap(data)) throw usageError(`--env-vars file ${file} must hold a JSON object, e.g. {"MyFunction": {"TABLE": "t"}} or {"TABLE": "t"}`);
  const entries = Object.entries(data);
  const blocks = entries.filter(([, value]) => isMap(value));
  const result: EnvVarsFile = { file, shape: 'flat', parameters: {}, functions: {}, flat: {} };
  if (blocks.length === 0) {
    for (const [key, value] of entries) result.flat[checkKey(key, file)] = stringify(value);
    return result;
  }
  const scalar = entries.find(([, value]) => !isMap(value));
  if (scalar !== undefined) {
    throw usageError(`--env-vars file ${file} mixes SAM's {"Function": {...}} blocks with a top-level variable '${scalar[0]}'; put it under "Parameters" or a function's block`);
  }
  result.shape = 'sam';
  for (const [name, block] of blocks) {
    const variables: Record<string, string> = {};
    for (const [key, value] of Object.entries(block as Record<string, unknown>)) variables[checkKey(key, file)] = stringify(value);
    if (name === 'Parameters') result.parameters = variables;
    else result.functions[name] = variables;
  }
  return result;
}

function checkKey(key: string, file: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw usageError(`--env-vars file ${file}: '${key}' is not a valid environment variable name`);
  return key;
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
