/**
 * Template values are plain data, whatever their names: a key `toString`,
 * `constructor` or `__proto__` is a name like any other, never a member of
 * Object.prototype, and a map is never asked to convert itself to text
 * (`String({toString: false})` throws).
 */
export function ownValue(record: object, key: string): unknown {
  return Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined;
}

/** `record[key] = value` with key `__proto__` would replace the prototype instead of adding a key. */
export function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A scalar as text; a map or list as its JSON. */
export function textOf(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
