import { Readable } from 'node:stream';
import ndjson from 'ndjson';
import { parseArgs } from 'node:util';
import { oneLine } from '../errors/emu-error.js';
import { eventCatalogue } from '../events/event-catalogue.js';
import type { EventKind } from '../events/event-kind.js';
import { EventOptionError } from '../events/event-option-error.js';
import { findEventKind, generateEvent } from '../events/generate-event.js';
import { parseSetAssignment, setPath } from '../events/set-path.js';
import { ExitCode } from './exit-codes.js';

export interface EventCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `Usage:
  emu event list
  emu event <source> <kind> [options] [--set PATH=VALUE ...] [--count N]
  emu event <source> <kind> --help

Prints a realistic AWS event for a Lambda handler.

  --set PATH=VALUE  set any field, e.g. --set 'Records[0].s3.object.size=42';
                    VALUE is JSON when it parses as JSON, otherwise text
  --count N         print N events as NDJSON, each with fresh ids and timestamps
  -h, --help        show this help, or the options of one kind

Run 'emu event list' for every source and kind.
`;

const COMMON_FLAGS = ['set', 'count', 'help'];

type ParsedValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** Every flag any kind accepts; which kind takes which is checked after parsing. */
function parseOptions() {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    set: { type: 'string', multiple: true },
    count: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const entry of eventCatalogue) {
    for (const option of entry.options) options[option.flag.slice(2)] = { type: 'string' };
  }
  return options;
}

/** parseArgs explains itself at length; one line naming the flag is enough here. */
function parseErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? 'option';
  if (message.startsWith('Unknown option')) return `unknown option ${flag}`;
  if (message.includes('argument missing')) return `${flag} needs a value`;
  if (message.includes('ambiguous')) return `${flag} value starts with '-'; write it as ${flag}=VALUE`;
  if (message.startsWith('Unexpected argument')) return message.split('.')[0] ?? message;
  return (message.split('\n')[0] ?? message).replace(/\.$/, '');
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + 2))).join(''))
    .join('\n');
}

function listText(entries: readonly EventKind[], values: ParsedValues = {}): string {
  const flag = Object.keys(values).find((name) => values[name] !== undefined && name !== 'help');
  if (flag !== undefined) throw new EventOptionError(`list takes no options, got --${flag}`);
  const rows = [['SOURCE', 'KIND', 'DESCRIPTION'], ...entries.map((e) => [e.source, e.kind, e.description])];
  return `${table(rows)}\n\nOptions of one kind: emu event <source> <kind> --help\n`;
}

function kindHelp(entry: EventKind): string {
  const typeHint = { string: '<text>', integer: '<n>', object: '<json>' } as const;
  const rows = entry.options.map((option) => [`  ${option.flag} ${typeHint[option.type]}`, option.description]);
  rows.push(['  --set PATH=VALUE', 'set any field of the event'], ['  --count N', 'print N events as NDJSON']);
  return `emu event ${entry.source} ${entry.kind}: ${entry.description}\n\nOptions:\n${table(rows)}\n`;
}

function helpText(positionals: string[]): string {
  const [source, kind] = positionals;
  if (source === undefined || source === 'list') return USAGE;
  if (kind === undefined) {
    const entries = eventCatalogue.filter((entry) => entry.source === source);
    if (entries.length === 0) findEventKind(source, '');
    return listText(entries);
  }
  return kindHelp(findEventKind(source, kind));
}

/** Keeps the flags meant for the chosen kind, rejecting flags of other kinds. */
function kindOptions(entry: EventKind, values: ParsedValues): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [flag, value] of Object.entries(values)) {
    if (COMMON_FLAGS.includes(flag) || value === undefined) continue;
    const option = entry.options.find((candidate) => candidate.flag === `--${flag}`);
    if (!option) {
      const known = entry.options.map((candidate) => candidate.flag).join(', ');
      throw new EventOptionError(`--${flag} does not apply to ${entry.source} ${entry.kind} (options: ${known})`);
    }
    options[option.name] = value;
  }
  return options;
}

function parseCount(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const count = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new EventOptionError(`--count must be a positive integer, got '${raw}'`);
  }
  return count;
}

function chooseKind(positionals: string[]): EventKind {
  const [source, kind, extra] = positionals;
  if (source === 'list' && kind !== undefined) throw new EventOptionError(`unexpected argument '${kind}'`);
  if (source === undefined) throw new EventOptionError("missing <source> <kind>; run 'emu event list' to see them");
  if (extra !== undefined) throw new EventOptionError(`unexpected argument '${extra}'`);
  if (kind === undefined) {
    const kinds = eventCatalogue.filter((entry) => entry.source === source).map((entry) => entry.kind);
    if (kinds.length === 0) findEventKind(source, '');
    throw new EventOptionError(`missing kind for ${source} (kinds: ${kinds.join(', ')})`);
  }
  return findEventKind(source, kind);
}

/** Resolves once the stream can take more, or can take nothing ever again. */
function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

/**
 * Writes lazily produced chunks, honouring backpressure so that a large
 * --count streams in constant memory. A reader that goes away (EPIPE, as in
 * `| head`) ends the output quietly; other write errors are reported.
 */
async function writeAll(stream: NodeJS.WritableStream, chunks: Iterable<string> | AsyncIterable<string | Buffer>): Promise<Error | undefined> {
  let failure: (Error & { code?: string }) | undefined;
  const onError = (error: Error): void => {
    failure = error;
  };
  stream.on('error', onError);
  try {
    for await (const chunk of chunks) {
      if (failure) break;
      if (!stream.write(chunk)) await drained(stream);
    }
  } finally {
    stream.off('error', onError);
  }
  return failure?.code === 'EPIPE' ? undefined : failure;
}

interface Plan {
  entry: EventKind;
  options: Record<string, unknown>;
  sets: Array<{ path: string; value: unknown }>;
  count: number | undefined;
}

function makeEvent(plan: Plan): unknown {
  const event = generateEvent(plan.entry.source, plan.entry.kind, plan.options);
  for (const { path, value } of plan.sets) {
    // Objects from JSON are copied so that one --set value never ends up shared between events.
    setPath(event as object, path, typeof value === 'object' && value !== null ? structuredClone(value) : value);
  }
  return event;
}

/**
 * The first event is built before anything is written, so usage errors leave stdout empty.
 * --count goes through ndjson's serializer, one object in, one line out, built lazily.
 */
function output(plan: Plan, first: unknown): Iterable<string> | AsyncIterable<string | Buffer> {
  if (plan.count === undefined) return [`${JSON.stringify(first, null, 2)}\n`];
  const count = plan.count;
  function* events(): Generator<unknown> {
    yield first;
    for (let i = 1; i < count; i++) yield makeEvent(plan);
  }
  return Readable.from(events()).pipe(ndjson.stringify());
}

function planFrom(values: ParsedValues, positionals: string[]): Plan {
  const entry = chooseKind(positionals);
  const options = kindOptions(entry, values);
  const count = parseCount(typeof values['count'] === 'string' ? values['count'] : undefined);
  const rawSets = Array.isArray(values['set']) ? values['set'] : [];
  return { entry, options, count, sets: rawSets.map((raw) => parseSetAssignment(String(raw))) };
}

function fail(io: EventCommandIo, message: string): number {
  io.stderr.write(`emu event: ${oneLine(message)}\n`);
  return ExitCode.usage;
}

/**
 * `emu event …`: argv is everything after `event`. Returns the exit code:
 * 0 on success, 2 on a usage error, 3 when stdout fails. Errors that are
 * not the caller's fault propagate to the main CLI's handler.
 */
export async function runEventCommand(argv: string[], io: EventCommandIo): Promise<number> {
  let values: ParsedValues;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: parseOptions(), allowPositionals: true, strict: true }));
  } catch (error) {
    return fail(io, parseErrorMessage(error));
  }
  let chunks: Iterable<string> | AsyncIterable<string | Buffer>;
  try {
    if (values['help'] === true) chunks = [helpText(positionals)];
    else if (positionals[0] === 'list' && positionals.length === 1) chunks = [listText(eventCatalogue, values)];
    else {
      const plan = planFrom(values, positionals);
      chunks = output(plan, makeEvent(plan));
    }
  } catch (error) {
    if (error instanceof EventOptionError) return fail(io, error.message);
    throw error;
  }
  const failure = await writeAll(io.stdout, chunks);
  if (!failure) return ExitCode.success;
  io.stderr.write(`emu event: cannot write output: ${failure.message}\n`);
  return ExitCode.internal;
}
