import { eventCatalogue } from './event-catalogue.js';
import type { EventKind, EventKindInfo, EventOptionInfo } from './event-kind.js';
import { EventOptionError } from './event-option-error.js';

/** The catalogue without its generator functions: what `emu event list` shows. */
export function listEventKinds(): EventKindInfo[] {
  return eventCatalogue.map(({ source, kind, description, options }) => ({
    source,
    kind,
    description,
    options: options.map((option) => ({ ...option })),
  }));
}

export function findEventKind(source: string, kind: string): EventKind {
  const sameSource = eventCatalogue.filter((entry) => entry.source === source);
  if (sameSource.length === 0) {
    const sources = [...new Set(eventCatalogue.map((entry) => entry.source))].join(', ');
    throw new EventOptionError(`unknown source '${source}' (sources: ${sources})`);
  }
  const found = sameSource.find((entry) => entry.kind === kind);
  if (!found) {
    const kinds = sameSource.map((entry) => entry.kind).join(', ');
    throw new EventOptionError(`unknown kind '${kind}' for ${source} (kinds: ${kinds})`);
  }
  return found;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toInteger(option: EventOptionInfo, value: unknown): number {
  const number = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  const min = option.min ?? Number.MIN_SAFE_INTEGER;
  const max = option.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < min || number > max) {
    const range = option.max === undefined ? `at least ${min}` : `from ${min} to ${max}`;
    throw new EventOptionError(`${option.flag} must be an integer ${range}, got '${String(value)}'`);
  }
  return number;
}

function toObject(option: EventOptionInfo, value: unknown): Record<string, unknown> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value) as unknown;
    } catch {
      throw new EventOptionError(`${option.flag} must be a JSON object, got '${value}'`);
    }
  }
  if (!isPlainObject(parsed)) throw new EventOptionError(`${option.flag} must be a JSON object`);
  return parsed;
}

function toString(option: EventOptionInfo, value: unknown): string {
  if (typeof value !== 'string') throw new EventOptionError(`${option.flag} must be a string`);
  if (option.choices && !option.choices.includes(value)) {
    throw new EventOptionError(`${option.flag} must be one of ${option.choices.join(', ')}, got '${value}'`);
  }
  return value;
}

/** Accepts typed values or their command-line text (integers and JSON objects as strings). */
function coerce(option: EventOptionInfo, value: unknown): unknown {
  if (option.type === 'integer') return toInteger(option, value);
  if (option.type === 'object') return toObject(option, value);
  return toString(option, value);
}

/**
 * Generates one event by catalogue name, e.g. `generateEvent('s3', 'put',
 * { bucket: 'photos' })`. Options use the names `listEventKinds()` reports;
 * anything unknown or ill-typed throws EventOptionError.
 */
export function generateEvent(source: string, kind: string, options: Record<string, unknown> = {}): unknown {
  const entry = findEventKind(source, kind);
  const checked: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const option = entry.options.find((candidate) => candidate.name === name);
    if (!option) {
      const known = entry.options.map((candidate) => candidate.flag).join(', ');
      throw new EventOptionError(`option '${name}' does not apply to ${source} ${kind} (options: ${known})`);
    }
    checked[name] = coerce(option, value);
  }
  return entry.generate(checked);
}
