/** How an option's value is written on the command line. */
export type EventOptionType = 'string' | 'integer' | 'object';

export interface EventOptionSpec<T extends EventOptionType = EventOptionType> {
  type: T;
  description: string;
  /** The only values allowed, for string options. */
  choices?: readonly string[];
  min?: number;
  max?: number;
}

type OptionTypeOf<V> = V extends string ? 'string' : V extends number ? 'integer' : 'object';

/**
 * Specs for the options a generator exposes to the CLI, keyed by the
 * generator's own option names, so a spec cannot name an option the generator
 * lacks or give it the wrong type.
 */
export type EventOptionSpecs<O> = { [K in keyof O]?: EventOptionSpec<OptionTypeOf<NonNullable<O[K]>>> };

export interface EventOptionInfo extends EventOptionSpec {
  /** Name in the programmatic options object, e.g. `batchSize`. */
  name: string;
  /** The CLI flag, e.g. `--batch-size`. */
  flag: string;
}

/** One entry of the catalogue as `listEventKinds()` reports it. */
export interface EventKindInfo {
  source: string;
  kind: string;
  description: string;
  options: EventOptionInfo[];
}

export interface EventKind extends EventKindInfo {
  /** Called with options already checked against `options`. */
  generate(options: Record<string, unknown>): unknown;
}

export function flagFor(name: string): string {
  return `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

export function defineEventKind<O extends object>(
  source: string,
  kind: string,
  description: string,
  options: NoInfer<EventOptionSpecs<O>>,
  generate: (options: O) => unknown,
): EventKind {
  const infos = Object.entries(options as Record<string, EventOptionSpec | undefined>).flatMap(([name, spec]) =>
    spec ? [{ name, flag: flagFor(name), ...spec }] : [],
  );
  return {
    source,
    kind,
    description,
    options: infos,
    // The catalogue checks names and types against the specs before calling,
    // which is what makes this cast hold.
    generate: (values) => generate(values as O),
  };
}
