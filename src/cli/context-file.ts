/**
 * --context FILE: context fields to override, mapped onto the channels AWS
 * really uses (environment variables, /next headers, the memory size), so the
 * handler sees them exactly where it would on AWS.
 */
import { readFile } from 'node:fs/promises';
import { usageError } from '../errors/emu-error.js';
import type { EmulatorOptions } from '../emulator.js';
import type { InvokeOptions } from '../supervisor/index.js';
import { validateJson } from './event-input.js';

const SUPPORTED = ['functionName', 'functionVersion', 'invokedFunctionArn', 'memoryLimitInMB', 'awsRequestId', 'clientContext', 'identity', 'tenantId'];

export interface ContextOverrides {
  /** The function's own fields; resolveFunctionOptions puts flags above them. */
  emulator: Pick<EmulatorOptions, 'functionName' | 'functionVersion' | 'memoryMb'>;
  invoke: InvokeOptions;
}

export async function readContextFile(file: string): Promise<ContextOverrides> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw usageError(`cannot read context file ${file}`);
  }
  const fields: unknown = JSON.parse(validateJson(text, `context file ${file}`));
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw usageError(`context file ${file} must hold a JSON object`);
  }
  const overrides: ContextOverrides = { emulator: {}, invoke: {} };
  for (const [key, value] of Object.entries(fields)) {
    if (!SUPPORTED.includes(key)) throw usageError(`context file ${file}: unknown field '${key}' (supported: ${SUPPORTED.join(', ')})`);
    applyField(overrides, key, value, file);
  }
  return overrides;
}

function applyField(overrides: ContextOverrides, key: string, value: unknown, file: string): void {
  const text = (): string => {
    if (typeof value !== 'string' && typeof value !== 'number') throw usageError(`context file ${file}: '${key}' must be a string`);
    return String(value);
  };
  switch (key) {
    case 'functionName':
      overrides.emulator.functionName = text();
      break;
    case 'functionVersion':
      overrides.emulator.functionVersion = text();
      break;
    case 'memoryLimitInMB':
      overrides.emulator.memoryMb = Number(text());
      break;
    case 'invokedFunctionArn':
      overrides.invoke.invokedFunctionArn = text();
      break;
    case 'awsRequestId':
      overrides.invoke.requestId = text();
      break;
    case 'tenantId':
      overrides.invoke.tenantId = text();
      break;
    case 'clientContext':
      overrides.invoke.clientContext = value;
      break;
    case 'identity':
      overrides.invoke.identity = value;
      break;
  }
}
