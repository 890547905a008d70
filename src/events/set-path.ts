import { EventOptionError } from './event-option-error.js';

export type PathSegment = string | number;

// A name, an array index, or a JSON-quoted name for keys holding dots or brackets.
const NAME = /^[^.[\]]+/;
const INDEX = /^\[(\d+)\]/;
const QUOTED = /^\[("(?:[^"\\]|\\.)*")\]/;

// Writing these would reach Object.prototype instead of the event.
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Splits `Records[0].s3.object.key` or `headers["X-Forwarded.For"]` into
 * segments. Throws EventOptionError on malformed paths.
 */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let rest = path;
  let needName = true;
  while (rest.length > 0) {
    const afterDot = needName && segments.length > 0;
    const bracket = afterDot ? null : (INDEX.exec(rest) ?? QUOTED.exec(rest));
    const name = needName ? NAME.exec(rest) : null;
    if (bracket) {
      const inner = bracket[1] ?? '';
      segments.push(inner.startsWith('"') ? (JSON.parse(inner) as string) : Number(inner));
      rest = rest.slice(bracket[0].length);
    } else if (name) {
      segments.push(name[0]);
      rest = rest.slice(name[0].length);
    } else {
      throw new EventOptionError(`bad path '${path}' near '${rest}'`);
    }
    needName = rest.startsWith('.');
    if (needName) rest = rest.slice(1);
    if (needName && rest.length === 0) throw new EventOptionError(`bad path '${path}': ends with '.'`);
  }
  if (segments.length === 0) throw new EventOptionError('empty path');
  for (const segment of segments) {
    if (typeof segment === 'string' && FORBIDDEN.has(segment)) {
      throw new EventOptionError(`bad path '${path}': '${segment}' is not allowed`);
    }
  }
  return segments;
}

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function pathLabel(segments: PathSegment[], upTo: number): string {
  const shown = segments
    .slice(0, upTo)
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('');
  return shown === '' ? 'the event' : `'${shown}'`;
}

function checkStep(container: Container, segment: PathSegment, segments: PathSegment[], i: number): Container {
  const where = pathLabel(segments, i);
  if (Array.isArray(container) !== (typeof segment === 'number')) {
    const wanted = typeof segment === 'number' ? 'an array' : 'an object';
    throw new EventOptionError(`cannot set ${pathLabel(segments, i + 1)}: ${where} is not ${wanted}`);
  }
  if (Array.isArray(container) && typeof segment === 'number' && segment > container.length) {
    throw new EventOptionError(`index ${segment} is past the end of ${where} (length ${container.length})`);
  }
  return container;
}

function read(container: Container, segment: PathSegment): unknown {
  return Array.isArray(container) ? container[segment as number] : container[segment as string];
}

function write(container: Container, segment: PathSegment, value: unknown): void {
  if (Array.isArray(container)) container[segment as number] = value;
  else container[segment as string] = value;
}

/**
 * Sets one field of an event by path, creating missing objects and arrays on
 * the way, and returns the event. The value is stored as given.
 */
export function setPath<T extends object>(target: T, path: string, value: unknown): T {
  const segments = parsePath(path);
  let current: Container = target as Container;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as PathSegment;
    current = checkStep(current, segment, segments, i);
    if (i === segments.length - 1) {
      write(current, segment, value);
      break;
    }
    let next = read(current, segment);
    if (next === undefined || next === null) {
      next = typeof segments[i + 1] === 'number' ? [] : {};
      write(current, segment, next);
    }
    if (!isContainer(next)) {
      throw new EventOptionError(`cannot set ${pathLabel(segments, i + 2)}: ${pathLabel(segments, i + 1)} is a ${typeof next}`);
    }
    current = next;
  }
  return target;
}

/** A `--set` value is JSON when it parses as JSON, otherwise the literal text. */
export function parseSetValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** Splits `PATH=VALUE` at the first `=` and checks the path. */
export function parseSetAssignment(assignment: string): { path: string; value: unknown } {
  const at = assignment.indexOf('=');
  if (at <= 0) throw new EventOptionError(`--set expects PATH=VALUE, got '${assignment}'`);
  const path = assignment.slice(0, at);
  parsePath(path);
  return { path, value: parseSetValue(assignment.slice(at + 1)) };
}
