/**
 * The soak's event mix: a seeded, lazily generated sequence in which exactly `faultShare` of the
 * events are faults of test/fixtures/faults.mjs, each kind an exact count, and what each kind must
 * answer. Two generators with the same seed yield the same sequence, so one can feed a stream while
 * the other checks its ordered output, and nothing of the run is held in memory.
 */

import { FAULT_NAMES, type FaultName } from '../../test/fixtures/fault-names.js';

/** Every fault of the fixture (test/fixtures/faults.mjs): the mix has them all. */
export const FAULT_KINDS = FAULT_NAMES.filter((name): name is Exclude<FaultName, 'ok'> => name !== 'ok');
export type FaultKind = Exclude<FaultName, 'ok'>;
export type EventKind = 'ok' | FaultKind;

/**
 * Share of the faults for the kinds whose cost is per occurrence (a 1 s timeout, 100 MB through two
 * pipes, 128 MB allocated, a cold start after the sandbox dies); the cheap kinds share what is left
 * equally. Chosen so that 200,000 events (10,000 faults) take about 10 minutes per phase on a busy 2-core machine.
 */
const COSTLY_SHARE: Partial<Record<FaultKind, number>> = {
  loop: 0.01,
  // A timeout too, when an earlier grandchild keeps the sandbox's event loop alive (see EXPECTED).
  'never-settles': 0.01,
  'stdout-100mb': 0.005,
  oom: 0.015,
  'response-7mb': 0.02,
  exit0: 0.025,
  exit1: 0.025,
  sigkill: 0.025,
  sigsegv: 0.025,
  // Also takes down the next invocation of its sandbox (see isCollateral).
  'late-rejection': 0.025,
};

/** What an event may answer: `ok` (a payload) or an errorType, with a substring its errorMessage must hold. */
export interface Outcome {
  errorType: string;
  messageIncludes?: string;
}
const OK: Outcome = { errorType: 'ok' };
const exitError = (messageIncludes: string): Outcome => ({ errorType: 'Runtime.ExitError', messageIncludes });

export const EXPECTED: Record<EventKind, readonly Outcome[]> = {
  ok: [OK],
  loop: [{ errorType: 'Sandbox.Timedout' }],
  // An async handler whose promise never settles empties the event loop: Node exits, as on AWS; unless
  // an earlier grandchild of the same warm sandbox still holds the loop open, and the deadline ends it.
  'never-settles': [{ errorType: 'Runtime.NodeJsExit' }, { errorType: 'Sandbox.Timedout' }],
  exit0: [exitError('without providing a reason')],
  exit1: [exitError('exit status 1')],
  sigkill: [exitError('signal: killed')],
  sigsegv: [exitError('segmentation fault')],
  'throw-string': [{ errorType: 'string', messageIncludes: 'a thrown string' }],
  // AWS's runtime client fails a null error as the string 'handled'.
  'throw-null': [{ errorType: 'string', messageIncludes: 'handled' }],
  'throw-object': [{ errorType: 'object' }],
  'throw-subclass': [{ errorType: 'ValidationError' }],
  // About 1.4 s of piping on this machine: past -t 1 as a rule, but a quiet moment may finish it.
  'stdout-100mb': [{ errorType: 'Sandbox.Timedout' }, OK],
  'response-7mb': [{ errorType: 'Function.ResponseSizeTooLarge' }],
  grandchild: [OK],
  'grandchild-group': [OK],
  'grandchild-session': [OK],
  'close-stdio': [OK],
  oom: [{ errorType: 'Runtime.OutOfMemory' }],
  'late-rejection': [OK],
};

/**
 * The rejection fires 5 ms after late-rejection answers and ends its sandbox (exit 128): the
 * invocation that sandbox is running or about to run then fails too. At most one per late-rejection.
 */
export function isCollateral(outcome: Outcome & { errorMessage?: string }): boolean {
  if (outcome.errorType === 'Runtime.UnhandledPromiseRejection') return true;
  return outcome.errorType === 'Runtime.ExitError' && (outcome.errorMessage ?? '').includes('exit status 128');
}

export function matches(kind: EventKind, errorType: string, errorMessage = ''): boolean {
  return EXPECTED[kind].some((o) => o.errorType === errorType && (o.messageIncludes === undefined || errorMessage.includes(o.messageIncludes)));
}

export function expectsError(kind: EventKind): boolean {
  return EXPECTED[kind].every((o) => o.errorType !== 'ok');
}

/** Exact count of each fault kind for `events` events; throws when there are too few faults to have every kind. */
export function planMix(events: number, faultShare = 0.05): Record<FaultKind, number> {
  const faults = Math.round(events * faultShare);
  if (faults < FAULT_KINDS.length * 2) throw new Error(`${events} events give ${faults} faults: too few for every kind (use at least ${Math.ceil((FAULT_KINDS.length * 2) / faultShare)})`);
  const counts = {} as Record<FaultKind, number>;
  let left = faults;
  for (const kind of FAULT_KINDS) {
    const share = COSTLY_SHARE[kind];
    counts[kind] = share === undefined ? 0 : Math.max(1, Math.round(faults * share));
    left -= counts[kind];
  }
  const cheap = FAULT_KINDS.filter((kind) => COSTLY_SHARE[kind] === undefined);
  cheap.forEach((kind, i) => (counts[kind] = Math.floor(left / cheap.length) + (i < left % cheap.length ? 1 : 0)));
  return counts;
}

export interface SoakEvent {
  /** 0-based position in the sequence. */
  index: number;
  kind: EventKind;
  /** The event as one JSON line, without the newline. */
  json: string;
}

/** mulberry32: small, fast, good enough to place faults; the same seed gives the same run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The events in order. Knuth's selection sampling places exactly the planned faults, uniformly, without
 * a list; none in the `quietBefore` events that precede each index of `checkpoints` (whoever measures
 * there finds every sandbox up, none being replaced).
 */
export function* soakEvents(events: number, mix: Record<FaultKind, number>, seed: number, checkpoints: readonly number[] = [], quietBefore = 0): Generator<SoakEvent> {
  const next = random(seed);
  const left = { ...mix };
  const quiet = (index: number): boolean => checkpoints.some((at) => index < at && index >= at - quietBefore);
  let faultsLeft = FAULT_KINDS.reduce((sum, kind) => sum + mix[kind], 0);
  let eligibleLeft = events;
  for (let index = 0; index < events; index++) if (quiet(index)) eligibleLeft -= 1;
  if (eligibleLeft < faultsLeft) throw new Error(`${events} events leave room for ${eligibleLeft} faults, fewer than ${faultsLeft}`);
  for (let index = 0; index < events; index++) {
    let kind: EventKind = 'ok';
    if (!quiet(index) && next() * eligibleLeft-- < faultsLeft) {
      let pick = Math.floor(next() * faultsLeft);
      kind = FAULT_KINDS.find((k) => (pick -= left[k]) < 0) as FaultKind;
      left[kind] -= 1;
      faultsLeft -= 1;
    }
    yield { index, kind, json: `{"fault":"${kind}","n":${index}}` };
  }
}
