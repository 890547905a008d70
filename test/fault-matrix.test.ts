// The fault matrix of issue #8: every fault of test/fixtures/faults.mjs, cold and warm, through the
// programmatic API, the one-shot `emu run`, `emu run --stream` and `emu serve` (Invoke API and an
// API Gateway route). For each: AWS's error payload (contract §2 and §4), the sandbox replaced when
// AWS resets it and kept when it does not, the next event answered, no process left (grandchildren
// in their own group or session too), and the supervisor's open fds and RSS back where they were.
//
// Phase 1 (the API) runs alone, because it counts this process's own fds; phase 2 runs the CLI,
// stream, serve and init-limit tests at once, each watching its own emu process from outside.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createEmulator, type Emulator, type InvocationResult } from '../src/index.js';
import { listDescendants } from '../src/sandbox/index.js';
import { assertNoProcessLeft, assertNoSandboxOf, eventually, FIXTURES, isAlive, MODES, REPO_ROOT } from './helpers.js';
import { FAULT_NAMES } from './fixtures/fault-names.js';
import { send } from './serve-helpers.js';

type Mode = (typeof MODES)[number];
type Fault = (typeof FAULTS)[number];

const FAULTS = FAULT_NAMES;

/** Faults that only a timeout ends: run with a 1 s timeout. */
const HANGS: ReadonlySet<Fault> = new Set(['loop']);
const HANG_TIMEOUT_S = 1;
/**
 * Everything else runs where no hang does, under a timeout no answering fault can reach: stdout-100mb
 * takes ~0.5 s through the API and ~2.5 s through a stream's log tagging alone, several times that on
 * a loaded 2-core machine. (One stream or server per mode for every fault would put `loop` under it too.)
 */
const ANSWER_TIMEOUT_S = 30;
const EMU = path.join(REPO_ROOT, 'bin', 'emu.js');
const HUNDRED_MB = 100 * 1024 * 1024;
const NODE_JS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled.';

/** Exact error payload when the platform (not the function) ends the invocation; contract §4. */
function platformError(errorType: string, reason: string) {
  return (requestId: string): Record<string, unknown> => ({ errorType, errorMessage: `RequestId: ${requestId} Error: ${reason}` });
}

interface Expectation {
  /** The Invoke payload, exactly (deep-equal), or a check of it; requestId and the timeout it ran under are given. */
  payload(payload: unknown, requestId: string, timeoutS: number): void;
  error: boolean;
  /**
   * Whether AWS resets the environment, so a warm `ok` next comes from a new sandbox. A thrown value,
   * a Runtime.NodeJsExit (the runtime client posts it and loops: RIC Runtime.js) and a response too
   * large (the runtime gets a 413 and carries on) keep it.
   */
  resets: boolean;
}

const exact =
  (make: (requestId: string, timeoutS: number) => unknown) =>
  (payload: unknown, requestId: string, timeoutS: number): void =>
    assert.deepEqual(payload, make(requestId, timeoutS));

const EXPECTED: Record<Fault, Expectation> = {
  ok: { error: false, resets: false, payload: (p) => assert.equal((p as { ok: boolean }).ok, true) },
  loop: { error: true, resets: true, payload: exact((id, t) => platformError('Sandbox.Timedout', `Task timed out after ${t.toFixed(2)} seconds`)(id)) },
  'never-settles': { error: true, resets: false, payload: (p) => assertRuntimeError(p, 'Runtime.NodeJsExit', NODE_JS_EXIT_MESSAGE) },
  exit0: { error: true, resets: true, payload: exact(platformError('Runtime.ExitError', 'Runtime exited without providing a reason')) },
  exit1: { error: true, resets: true, payload: exact(platformError('Runtime.ExitError', 'Runtime exited with error: exit status 1')) },
  sigkill: { error: true, resets: true, payload: exact(platformError('Runtime.ExitError', 'Runtime exited with error: signal: killed')) },
  sigsegv: { error: true, resets: true, payload: exact(platformError('Runtime.ExitError', 'Runtime exited with error: signal: segmentation fault')) },
  // A non-Error v gives {errorType: typeof v, errorMessage: String(v), trace: []}; null becomes the
  // string 'handled' first, as RIC's CallbackContext does (contract §2).
  'throw-string': { error: true, resets: false, payload: exact(() => ({ errorType: 'string', errorMessage: 'a thrown string', trace: [] })) },
  'throw-null': { error: true, resets: false, payload: exact(() => ({ errorType: 'string', errorMessage: 'handled', trace: [] })) },
  'throw-object': { error: true, resets: false, payload: exact(() => ({ errorType: 'object', errorMessage: '[object Object]', trace: [] })) },
  // The payload is {errorType, errorMessage, trace} only; the extra properties go to the log (checked there).
  'throw-subclass': { error: true, resets: false, payload: (p) => assertRuntimeError(p, 'ValidationError', 'email is not valid') },
  'stdout-100mb': { error: false, resets: false, payload: exact(() => ({ ok: true, wrote: HUNDRED_MB })) },
  'response-7mb': {
    error: true,
    resets: false,
    payload: exact(() => ({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size (7340034 bytes) exceeded maximum allowed payload size (6291556 bytes).',
    })),
  },
  grandchild: { error: false, resets: false, payload: assertGrandchildPayload },
  'grandchild-group': { error: false, resets: false, payload: assertGrandchildPayload },
  'grandchild-session': { error: false, resets: false, payload: assertGrandchildPayload },
  'close-stdio': { error: false, resets: false, payload: exact(() => ({ ok: true, closed: ['stdout', 'stderr'] })) },
  // AWS's OOM message is unconfirmed (contract §4); emu words it as the kill AWS's platform logs show.
  oom: { error: true, resets: true, payload: exact(platformError('Runtime.OutOfMemory', 'Runtime exited with error: signal: killed')) },
  // Answered first; the rejection then ends the runtime (exit 128), so the next event gets a new sandbox.
  'late-rejection': { error: false, resets: true, payload: exact(() => ({ ok: true, rejectsLater: true })) },
};

function assertRuntimeError(payload: unknown, errorType: string, errorMessage: string): void {
  const p = payload as { errorType: string; errorMessage: string; trace: string[] };
  assert.deepEqual(Object.keys(p), ['errorType', 'errorMessage', 'trace']);
  assert.equal(p.errorType, errorType);
  assert.equal(p.errorMessage, errorMessage);
  assert.ok(Array.isArray(p.trace) && p.trace[0] === `${errorType}: ${errorMessage}`, JSON.stringify(p.trace));
}

function assertGrandchildPayload(payload: unknown): void {
  const pid = (payload as { grandchild: unknown }).grandchild;
  assert.ok(Number.isInteger(pid) && (pid as number) > 0, JSON.stringify(payload));
}

/** The log line AWS's runtime writes for an Error: extra properties included (contract §2, console). */
const SUBCLASS_LOG = /\tERROR\tInvoke Error \t\{"errorType":"ValidationError","errorMessage":"email is not valid".*"field":"email","statusCode":422/;

/** What an `ok` after a fault must show: replaced (new pid, first event) or reused (same pid, next count). */
function assertSandboxFollows(mode: Mode, fault: Fault, before: OkPayload, next: unknown, label: string): OkPayload {
  const ok = next as OkPayload;
  assert.equal(ok.ok, true, `${label}: the event after ${fault} is answered: ${JSON.stringify(next)}`);
  if (mode === 'cold' || EXPECTED[fault].resets) {
    assert.notEqual(ok.pid, before.pid, `${label}: after ${fault} a new sandbox answers`);
    assert.equal(ok.served, 1, `${label}: after ${fault} a fresh sandbox answers`);
  } else {
    assert.equal(ok.pid, before.pid, `${label}: after ${fault} the same sandbox answers`);
    assert.equal(ok.served, before.served + 2, `${label}: after ${fault} the same sandbox answers`);
  }
  return ok;
}

/**
 * After a late rejection a warm runtime fails the next event, as on AWS: there the runtime is
 * frozen once back on /next, and the rejection surfaces (and the runtime exits 128) when the
 * next event thaws it. The event after that gets a fresh sandbox.
 */
function assertLateFailureVictim(victim: { status: string; payloadJson: string; error?: { errorType: string; errorMessage: string } }, label: string): void {
  assert.equal(victim.status, 'error', `${label}: the event after a late rejection fails: ${victim.payloadJson}`);
  assert.equal(victim.error?.errorType, 'Runtime.ExitError', `${label}: late rejection victim`);
  assert.match(victim.error?.errorMessage ?? '', /Runtime exited with error: exit status 128$/, `${label}: late rejection victim`);
}

/**
 * The fixture's rejection comes 5 ms after its answer. On AWS the runtime would be frozen by then
 * and the rejection due the moment the next event thaws it; emu never freezes a runtime, so the
 * tests let the rejection happen before they send that next event.
 */
function afterLateRejection(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 100));
}

interface OkPayload {
  ok: true;
  pid: number;
  served: number;
}

function grandchildOf(payload: unknown): number | undefined {
  const pid = (payload as { grandchild?: unknown } | null)?.grandchild;
  return typeof pid === 'number' ? pid : undefined;
}

// ---------- measuring a process from outside ----------

/** What each open descriptor of a process points at (pipe:[…], socket:[…], /proc/…/status …). */
function openFds(pid: number | 'self'): string[] {
  const targets: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      targets.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // Closed while we looked (readdir's own descriptor, for one).
    }
  }
  return targets.sort();
}

/** Waits for the fd count to come back to the baseline (sandboxes end asynchronously), then compares kinds too. */
/**
 * No fd kind is held more often than at the baseline. Fewer is fine: a keep-alive connection open at
 * the baseline may since have been closed by emu serve's idle timeout.
 */
async function assertFdsBack(pid: number | 'self', before: string[], label: string): Promise<void> {
  await eventually(() => openFds(pid).length <= before.length, 5000);
  const counts = (fds: string[]): Map<string, number> => {
    const byKind = new Map<string, number>();
    for (const target of fds) byKind.set(target.replace(/\d+/g, 'N'), (byKind.get(target.replace(/\d+/g, 'N')) ?? 0) + 1);
    return byKind;
  };
  const baseline = counts(before);
  const extra = [...counts(openFds(pid))].filter(([kind, count]) => count > (baseline.get(kind) ?? 0));
  assert.deepEqual(extra, [], `${label}: open fds beyond the baseline (kind, count now); baseline: ${[...baseline].join(' ')}`);
}

function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
}

/**
 * How much a supervisor's RSS may grow across all the faults. Generous on purpose: V8 and glibc keep
 * some of what 100 MB of logs and a 7 MB response passed through (heap pages, malloc arenas); a real
 * leak of either would overshoot it many times over. Not a speed or footprint target.
 */
const RSS_GROWTH_BOUND_BYTES = 64 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settledRss(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().rss;
}

function assertRssBound(before: number, after: number, label: string): void {
  const growthMb = (after - before) / 1024 / 1024;
  assert.ok(after - before < RSS_GROWTH_BOUND_BYTES, `${label}: RSS grew ${growthMb.toFixed(1)} MB`);
}

/**
 * The same kind of bound for an emu process, read from outside (no GC on demand there), once its
 * stderr has drained; the growth is printed on every run. Measured on the loaded 2-core machine: a
 * stream grew 6.0-13.2 MB across all the faults (13 runs), emu serve 11.2-52.3 MB (11 runs). A stream
 * that kept every log chunk grew 105-112 MB; serve's bound leaves room over its own worst run.
 */
const STREAM_RSS_GROWTH_BOUND_BYTES = 64 * 1024 * 1024;
const SERVE_RSS_GROWTH_BOUND_BYTES = 96 * 1024 * 1024;

async function assertProcessRssBound(pid: number, before: number, label: string, boundBytes: number): Promise<void> {
  await eventually(() => rssBytes(pid) - before < boundBytes, 5000);
  const growth = rssBytes(pid) - before;
  console.log(`# ${label}: emu's RSS grew ${(growth / 1024 / 1024).toFixed(1)} MB across the faults (bound ${boundBytes / 1024 / 1024} MB)`);
  assert.ok(growth < boundBytes, `${label}: RSS grew ${(growth / 1024 / 1024).toFixed(1)} MB`);
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** An emu process's sandboxes (not what they started). */
function sandboxesOf(pid: number): number[] {
  return descendantsOf(pid).filter((child) => commandLine(child).includes('runtime-bootstrap'));
}

/** The emu process's children and grandchildren (its sandboxes and what they started). */
function descendantsOf(pid: number): number[] {
  return listDescendants(pid).filter((child) => !commandLine(child).includes('esbuild'));
}

/**
 * Reaped by emu, not only exited: emu has then seen the exit and will not hand the next event to that
 * sandbox. (An event arriving in the very loop turn the runtime dies in can still reach it and fail
 * with its exit status; AWS has the same window.)
 */
async function assertAllGone(pids: Iterable<number>, label: string): Promise<void> {
  const list = [...new Set(pids)];
  assert.ok(await eventually(() => list.every((pid) => !isAlive(pid)), 5000), `${label}: processes left: ${list.filter(isAlive).join(' ')}`);
}

const scratch = mkdtempSync(path.join(tmpdir(), 'emu-fault-matrix-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Function output, counted, and kept line by line except stdout-100mb's 1 MB lines of x. */
class LogSink {
  bytes = 0;
  readonly #kept: string[] = [];
  #partial = '';
  add = (chunk: Buffer): void => {
    this.bytes += chunk.length;
    const lines = (this.#partial + chunk.toString('latin1')).split('\n');
    const last = lines.pop() as string;
    this.#partial = last.length > 65536 ? '' : last; // the tail of a line of x: not worth keeping
    for (const line of lines) if (!line.includes('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')) this.#kept.push(line);
  };
  text(): string {
    return Buffer.from([...this.#kept, this.#partial].join('\n'), 'latin1').toString('utf8');
  }
}

// ---------- phase 1: the programmatic API ----------

interface ApiRun {
  grandchildren: number[];
}

async function invokeChecked(emulator: Emulator, fault: Fault, timeoutS: number, label: string): Promise<InvocationResult> {
  const result = await emulator.invoke({ fault });
  const expected = EXPECTED[fault];
  assert.equal(result.status, expected.error ? 'error' : 'ok', `${label} ${fault}: ${result.payloadJson.slice(0, 300)}`);
  expected.payload(result.payload, result.requestId, timeoutS);
  if (expected.error) assert.equal(result.error?.errorType, (result.payload as { errorType: string }).errorType);
  // Ended by the platform (timeout, crash, memory): the result says so.
  assert.equal(result.metrics.sandboxLost, expected.resets && fault !== 'late-rejection', `${label} ${fault}: sandboxLost`);
  return result;
}

/** Every fault in `faults`, each followed by an `ok`, on one emulator. */
async function apiSequence(mode: Mode, faults: Fault[], timeoutS: number, run: ApiRun, logs: LogSink): Promise<void> {
  const label = `API ${mode} (${timeoutS} s)`;
  const emulator = createEmulator({ handler: 'faults.handler', codeDir: FIXTURES, mode, timeoutSeconds: timeoutS, onLog: logs.add, onWarning: () => {} });
  try {
    let last = (await invokeChecked(emulator, 'ok', timeoutS, label)).payload as OkPayload;
    for (const fault of faults) {
      const result = await invokeChecked(emulator, fault, timeoutS, label);
      const grandchild = grandchildOf(result.payload);
      if (grandchild !== undefined) {
        run.grandchildren.push(grandchild);
        if (mode === 'warm') assert.ok(isAlive(grandchild), `${label}: ${fault} lives as long as its warm sandbox`);
      }
      if (fault === 'late-rejection' && mode === 'warm') {
        await afterLateRejection();
        assertLateFailureVictim(await emulator.invoke({ fault: 'ok' }), label);
      }
      last = assertSandboxFollows(mode, fault, last, (await emulator.invoke({ fault: 'ok' })).payload, label);
    }
  } finally {
    await emulator.close();
  }
}

test('the typed fault list is the fixture\'s own', async () => {
  const fixture = (await import(new URL('./fixtures/faults.mjs', import.meta.url).href)) as { FAULTS: string[] };
  assert.deepEqual([...FAULTS], fixture.FAULTS);
});

test('programmatic API: every fault, cold and warm; sandboxes replaced, next event answered, fds and RSS back', async () => {
  // Warm-up: the modules, the timers and the first sandboxes' lazily created state, then the baseline.
  const warmUp = createEmulator({ handler: 'faults.handler', codeDir: FIXTURES, mode: 'warm', onLog: () => {} });
  await warmUp.invoke({ fault: 'ok' });
  await warmUp.close();
  const fdsBefore = openFds('self');
  const rssBefore = settledRss();

  const run: ApiRun = { grandchildren: [] };
  const logs = new LogSink();
  const answering = FAULTS.filter((fault) => fault !== 'ok' && !HANGS.has(fault));
  await Promise.all(
    MODES.flatMap((mode) => [
      apiSequence(mode, [...HANGS], HANG_TIMEOUT_S, run, new LogSink()),
      apiSequence(mode, answering, ANSWER_TIMEOUT_S, run, mode === 'warm' ? logs : new LogSink()),
    ]),
  );

  assert.equal(run.grandchildren.length, 3 * MODES.length);
  await assertAllGone(run.grandchildren, 'API');
  assertNoProcessLeft();
  assert.ok(logs.bytes >= HUNDRED_MB, `100 MB of stdout reached onLog (${logs.bytes} bytes)`);
  assert.match(logs.text(), SUBCLASS_LOG);
  await assertFdsBack('self', fdsBefore, 'API');
  assertRssBound(rssBefore, settledRss(), 'API');
});

// ---------- phase 2: the CLI, the stream, serve and the init limit, at once ----------

interface EmuProcess {
  child: ChildProcess;
  pid: number;
  /** stdout, line by line. */
  lines: string[];
  stderr: LogSink;
  /** Every process seen below emu while it ran. */
  seen: Set<number>;
  exited: Promise<number | null>;
  waitForLines(count: number): Promise<void>;
}

/** Every emu process started; a failed test's is stopped by the afterEach below, so none outlives the file. */
const started = new Set<ChildProcess>();

function startEmu(args: string[], stdin: string | 'open'): EmuProcess {
  const child = spawn(process.execPath, [EMU, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid as number;
  started.add(child);
  child.once('close', () => started.delete(child));
  const lines: string[] = [];
  const stderr = new LogSink();
  const seen = new Set<number>();
  let partial = '';
  let waiter: (() => void) | null = null;
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() as string;
    lines.push(...parts);
    waiter?.();
  });
  child.stderr.on('data', stderr.add);
  child.stdin.on('error', () => {});
  if (stdin !== 'open') child.stdin.end(stdin);
  const watch = setInterval(() => {
    for (const p of descendantsOf(pid)) seen.add(p);
  }, 20);
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      clearInterval(watch);
      waiter?.();
      resolve(code);
    }),
  );
  const waitForLines = async (count: number): Promise<void> => {
    while (lines.length < count) {
      if (child.exitCode !== null) throw new Error(`emu exited (${child.exitCode}) after ${lines.length} lines: ${stderr.text().slice(-2000)}`);
      await new Promise<void>((resolve) => (waiter = resolve));
    }
  };
  return { child, pid, lines, stderr, seen, exited, waitForLines };
}

const modeFlag = (mode: Mode): string => `--${mode}`;

async function inPool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: width }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

describe('the CLI, a stream, emu serve and the init limit', { concurrency: true }, () => {
  after(async () => {
    const left = [...started];
    for (const child of left) child.kill('SIGTERM'); // emu ends its sandboxes on SIGTERM
    await Promise.all(left.map((child) => new Promise((resolve) => (child.exitCode === null ? child.once('close', resolve) : resolve(null)))));
    assertNoProcessLeft();
  });
  for (const mode of MODES) {
    test(`emu run (one-shot, ${mode}): every fault's payload and exit code; nothing left when it exits`, async () => {
      await inPool([...FAULTS], 2, async (fault) => {
        const timeoutS = HANGS.has(fault) ? HANG_TIMEOUT_S : ANSWER_TIMEOUT_S;
        const emu = startEmu(['run', 'faults.handler', '-', '--code-dir', FIXTURES, modeFlag(mode), '-t', String(timeoutS), '--json'], JSON.stringify({ fault }));
        const code = await emu.exited;
        const label = `emu run ${mode} ${fault}`;
        const expected = EXPECTED[fault];
        assert.equal(code, expected.error ? 1 : 0, `${label}: exit code; ${emu.stderr.text().slice(-1000)}`);
        assert.equal(emu.lines.length, 1, `${label}: one stdout line`);
        const record = JSON.parse(emu.lines[0] as string) as { requestId: string; status: string; payload?: unknown; error?: unknown };
        assert.equal(record.status, expected.error ? 'error' : 'ok', label);
        expected.payload(expected.error ? record.error : record.payload, record.requestId, timeoutS);
        if (fault === 'stdout-100mb') assert.ok(emu.stderr.bytes >= HUNDRED_MB, `${label}: 100 MB reached stderr (${emu.stderr.bytes})`);
        if (fault === 'throw-subclass') assert.match(emu.stderr.text(), SUBCLASS_LOG);
        const grandchild = grandchildOf(record.payload);
        await assertAllGone([...emu.seen, ...(grandchild === undefined ? [] : [grandchild])], label);
      });
    });

    test(`emu run --stream (${mode}): one line per event in order, the right sandbox after each fault, fds and RSS back`, async () => {
      const summaryFile = path.join(scratch, `summary-${mode}.json`);
      const args = ['run', 'faults.handler', '-', '--stream', '--json', '--code-dir', FIXTURES, modeFlag(mode), '-t', String(ANSWER_TIMEOUT_S), '--summary', summaryFile];
      const emu = startEmu(args, 'open');
      const label = `stream ${mode}`;
      const write = (fault: Fault): boolean => (emu.child.stdin as NodeJS.WritableStream).write(`${JSON.stringify({ fault })}\n`);
      // Settled: a warm stream keeps its one sandbox, a cold one none between events.
      const settled = (): Promise<boolean> => eventually(() => sandboxesOf(emu.pid).length === (mode === 'warm' ? 1 : 0), 5000);

      write('ok');
      await emu.waitForLines(1);
      assert.ok(await settled(), `${label}: settles after the first event`);
      const fdsBefore = openFds(emu.pid);
      const rssBefore = rssBytes(emu.pid);

      // Every fault then an ok; warm, a late rejection fails the event after it (assertLateFailureVictim), so one more ok.
      const faults = FAULTS.filter((fault) => fault !== 'ok' && !HANGS.has(fault));
      const lateVictim = mode === 'warm';
      assert.equal(faults.at(-1), 'late-rejection'); // last, so the pause below comes before only its own ok
      for (const fault of faults) {
        write(fault);
        if (fault !== 'late-rejection') write('ok');
      }
      await emu.waitForLines(2 * faults.length);
      await afterLateRejection();
      if (lateVictim) write('ok');
      write('ok');
      await emu.waitForLines(1 + 2 * faults.length + (lateVictim ? 1 : 0));
      const all = emu.lines.map((line) => JSON.parse(line) as { line: number; requestId: string; status: string; payload?: unknown; error?: { errorType: string; errorMessage: string } });
      assert.deepEqual(all.map((r) => r.line), all.map((_, i) => i + 1), `${label}: one line per event, in order`);
      let last = all[0]?.payload as OkPayload;
      const grandchildren: number[] = [];
      let index = 1;
      for (const fault of faults) {
        const record = all[index++] as (typeof all)[number];
        const expected = EXPECTED[fault];
        assert.equal(record.status, expected.error ? 'error' : 'ok', `${label} ${fault}: ${JSON.stringify(record).slice(0, 300)}`);
        expected.payload(expected.error ? record.error : record.payload, record.requestId, ANSWER_TIMEOUT_S);
        const grandchild = grandchildOf(record.payload);
        if (grandchild !== undefined) grandchildren.push(grandchild);
        if (fault === 'late-rejection' && lateVictim) {
          const victim = all[index++] as (typeof all)[number];
          assertLateFailureVictim({ ...victim, payloadJson: JSON.stringify(victim) }, label);
        }
        last = assertSandboxFollows(mode, fault, last, all[index++]?.payload, label);
      }
      assert.ok(await settled(), `${label}: settles after the faults`);
      await assertFdsBack(emu.pid, fdsBefore, label);
      assert.ok(await eventually(() => emu.stderr.bytes >= HUNDRED_MB, 20_000), `${label}: 100 MB reached stderr (${emu.stderr.bytes})`);
      await assertProcessRssBound(emu.pid, rssBefore, label, STREAM_RSS_GROWTH_BOUND_BYTES);
      assert.match(emu.stderr.text(), SUBCLASS_LOG);
      (emu.child.stdin as NodeJS.WritableStream).end();
      assert.equal(await emu.exited, 1, `${label}: exit code 1 (function errors)`);
      const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { events: number; failed: number; failedByErrorType: Record<string, number> };
      assert.equal(summary.events, all.length);
      assert.equal(summary.failed, faults.filter((fault) => EXPECTED[fault].error).length + (lateVictim ? 1 : 0));
      assert.equal(summary.failedByErrorType['Runtime.ExitError'], 4 + (lateVictim ? 1 : 0));
      assert.equal(summary.failedByErrorType['Runtime.OutOfMemory'], 1);
      await assertAllGone([...emu.seen, ...grandchildren], label);
    });

    test(`emu serve (${mode}): every fault through the Invoke API, some through an API Gateway route; fds and RSS back; SIGTERM leaves nothing`, async () => {
      const emu = startEmu(['serve', 'faults.handler', '--code-dir', FIXTURES, '--port', '0', '--json', modeFlag(mode), '-t', String(ANSWER_TIMEOUT_S)], '');
      const label = `serve ${mode}`;
      await emu.waitForLines(1);
      const { url } = JSON.parse(emu.lines[0] as string) as { url: string };
      const invoke = async (fault: Fault): Promise<{ payload: unknown; requestId: string; functionError: unknown }> => {
        const response = await send(`${url}/2015-03-31/functions/faults/invocations`, { method: 'POST', body: JSON.stringify({ fault }) });
        assert.equal(response.status, 200, `${label} ${fault}: the Invoke API answers 200 whatever the function did`);
        return { payload: response.json(), requestId: String(response.headers['x-amzn-requestid']), functionError: response.headers['x-amz-function-error'] };
      };
      const settled = (): Promise<boolean> => eventually(() => sandboxesOf(emu.pid).length === (mode === 'warm' ? 1 : 0), 5000);

      // Warm-up: both doors once, then the baseline.
      await invoke('ok');
      assert.equal((await send(`${url}/?fault=ok`)).status, 200);
      let last = (await invoke('ok')).payload as OkPayload;
      assert.ok(await settled(), `${label}: settles after the warm-up`);
      const fdsBefore = openFds(emu.pid);
      const rssBefore = rssBytes(emu.pid);

      const grandchildren: number[] = [];
      for (const fault of FAULTS.filter((f) => f !== 'ok' && !HANGS.has(f))) {
        const { payload, requestId, functionError } = await invoke(fault);
        const expected = EXPECTED[fault];
        assert.equal(functionError, expected.error ? 'Unhandled' : undefined, `${label} ${fault}: X-Amz-Function-Error`);
        expected.payload(payload, requestId, ANSWER_TIMEOUT_S);
        const grandchild = grandchildOf(payload);
        if (grandchild !== undefined) grandchildren.push(grandchild);
        if (fault === 'late-rejection' && mode === 'warm') {
          await afterLateRejection();
          const victim = await invoke('ok');
          assert.equal(victim.functionError, 'Unhandled', `${label}: the event after a late rejection fails`);
          assertLateFailureVictim({ status: 'error', payloadJson: JSON.stringify(victim.payload), error: victim.payload as { errorType: string; errorMessage: string } }, label);
        }
        last = assertSandboxFollows(mode, fault, last, (await invoke('ok')).payload, label);
      }

      // API Gateway (payload 2.0, $default): a function error is a 502, a success the JSON it returned.
      // never-settles before grandchild-session: a live child process keeps the loop from draining, so after it
      // a never-settling promise is a timeout, not Runtime.NodeJsExit (on AWS too).
      for (const fault of ['exit1', 'sigsegv', 'throw-subclass', 'never-settles', 'response-7mb', 'oom', 'grandchild-session'] as const) {
        const response = await send(`${url}/?fault=${fault}`);
        if (EXPECTED[fault].error) {
          assert.equal(response.status, 502, `${label} GET ?fault=${fault}`);
          assert.deepEqual(response.json(), { message: 'Internal server error' });
        } else {
          assert.equal(response.status, 200, `${label} GET ?fault=${fault}`);
          grandchildren.push(grandchildOf(response.json()) as number);
        }
        const next = await send(`${url}/?fault=ok`);
        assert.equal(next.status, 200, `${label}: the request after ${fault} is answered`);
        last = assertSandboxFollows(mode, fault, last, next.json(), `${label} (API Gateway)`);
      }

      assert.ok(await settled(), `${label}: settles after the faults`);
      await assertFdsBack(emu.pid, fdsBefore, label);
      assert.ok(await eventually(() => emu.stderr.bytes >= HUNDRED_MB, 20_000), `${label}: 100 MB reached stderr (${emu.stderr.bytes})`);
      await assertProcessRssBound(emu.pid, rssBefore, label, SERVE_RSS_GROWTH_BOUND_BYTES);
      emu.child.kill('SIGTERM');
      assert.equal(await emu.exited, 0, `${label}: SIGTERM stops it with exit code 0`);
      await assertAllGone([...emu.seen, ...grandchildren], label);
    });

    test(`hangs under -t ${HANG_TIMEOUT_S} (${mode}): in a stream and behind emu serve, timed out, replaced, the next event answered`, async () => {
      const lines = ['ok', ...[...HANGS].flatMap((fault) => [fault, 'ok'])].map((fault) => JSON.stringify({ fault })).join('\n');
      const stream = startEmu(['run', 'faults.handler', '-', '--stream', '--json', '--code-dir', FIXTURES, modeFlag(mode), '-t', String(HANG_TIMEOUT_S)], `${lines}\n`);
      assert.equal(await stream.exited, 1, 'stream: exit code 1 (function errors)');
      const records = stream.lines.map((line) => JSON.parse(line) as { requestId: string; payload?: unknown; error?: unknown });
      let last = records[0]?.payload as OkPayload;
      [...HANGS].forEach((fault, i) => {
        const record = records[1 + 2 * i] as (typeof records)[number];
        EXPECTED[fault].payload(record.error, record.requestId, HANG_TIMEOUT_S);
        last = assertSandboxFollows(mode, fault, last, records[2 + 2 * i]?.payload, `stream ${mode}`);
      });
      await assertAllGone(stream.seen, `stream ${mode} (hangs)`);

      const serve = startEmu(['serve', 'faults.handler', '--code-dir', FIXTURES, '--port', '0', '--json', modeFlag(mode), '-t', String(HANG_TIMEOUT_S)], '');
      await serve.waitForLines(1);
      const { url } = JSON.parse(serve.lines[0] as string) as { url: string };
      last = (await send(`${url}/?fault=ok`)).json();
      for (const fault of HANGS) {
        const invoked = await send(`${url}/2015-03-31/functions/faults/invocations`, { method: 'POST', body: JSON.stringify({ fault }) });
        assert.equal(invoked.status, 200);
        assert.equal(invoked.headers['x-amz-function-error'], 'Unhandled');
        EXPECTED[fault].payload(invoked.json(), String(invoked.headers['x-amzn-requestid']), HANG_TIMEOUT_S);
        last = assertSandboxFollows(mode, fault, last, (await send(`${url}/?fault=ok`)).json(), `serve ${mode}`);
        const routed = await send(`${url}/?fault=${fault}`);
        assert.equal(routed.status, 502, `serve ${mode}: API Gateway answers a timeout with 502`);
        assert.deepEqual(routed.json(), { message: 'Internal server error' });
        last = assertSandboxFollows(mode, fault, last, (await send(`${url}/?fault=ok`)).json(), `serve ${mode} (API Gateway)`);
      }
      serve.child.kill('SIGTERM');
      assert.equal(await serve.exited, 0);
      await assertAllGone(serve.seen, `serve ${mode} (hangs)`);
    });
  }

  test('init past AWS\'s 10 s limit (cold and warm, at once): ended at 10 s and run again inside the first invocation, under its timeout', async () => {
    // contract §4: init past 10 s is re-run inside the first invocation under the function's timeout.
    // 11.5 s of init: the re-run fits a 15 s timeout (answered, a cold start) but not a 3 s one (Sandbox.Timedout).
    // 1.5 s past the limit, not less: with busy loops in other tests on both cores, this process's 10 s
    // timer fired after a 10.3 s init had already finished (CI, December 2026), and no re-run happened.
    const warnings: string[] = [];
    const slowInit = (mode: Mode, timeoutSeconds: number): Emulator =>
      createEmulator({ handler: 'faults.handler', codeDir: FIXTURES, mode, timeoutSeconds, env: { SLOW_INIT_MS: '11500' }, onLog: () => {}, onWarning: (message) => warnings.push(message) });
    const fitting = MODES.map((mode) => slowInit(mode, 15));
    const tooShort = slowInit('cold', 3);
    try {
      const [results, timedOut] = await Promise.all([Promise.all(fitting.map((emulator) => emulator.invoke({ fault: 'ok' }))), tooShort.invoke({ fault: 'ok' })]);
      for (const [i, result] of results.entries()) {
        assert.equal(result.status, 'ok', `${MODES[i]}: ${result.payloadJson}`);
        assert.equal(result.metrics.coldStart, true);
        assert.equal((result.payload as OkPayload).served, 1);
        assert.ok((result.metrics.initDurationMs ?? 0) >= 10_000, `${MODES[i]}: the re-run's own init duration (${result.metrics.initDurationMs})`);
      }
      assert.equal(timedOut.status, 'error');
      assert.deepEqual(timedOut.payload, { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${timedOut.requestId} Error: Task timed out after 3.00 seconds` });
      assert.equal(warnings.filter((message) => /init took longer than AWS's 10 s limit/.test(message)).length, 3, warnings.join('\n'));
      // Warm: the sandbox that finally finished its init serves the next event at once; cold would init again.
      const warm = await (fitting[1] as Emulator).invoke({ fault: 'ok' });
      assert.equal((warm.payload as OkPayload).pid, (results[1]?.payload as OkPayload).pid);
      assert.equal(warm.metrics.coldStart, false);
    } finally {
      await Promise.all([...fitting, tooShort].map((emulator) => emulator.close()));
    }
  });

  test('init-time faults (throw, process.exit, a hang past 10 s), each after starting a child, cold and warm, through the API, emu run, a stream and emu serve: the error, every event answered, nothing left', async () => {
    const INIT_FAULTS = {
      throw: (payload: unknown) => assert.equal((payload as { errorMessage: string }).errorMessage, 'bad config'),
      exit: (payload: unknown) => assert.match((payload as { errorMessage: string }).errorMessage, /^RequestId: \S+ Error: Runtime exited with error: exit status 1$/),
      // Killed at AWS's 10 s init limit, run again inside the invocation, which times out after 1 s.
      hang: (payload: unknown) => assert.match((payload as { errorMessage: string }).errorMessage, /^RequestId: \S+ Error: Task timed out after 1\.00 seconds$/),
    } as const;
    const cases = MODES.flatMap((mode) => Object.keys(INIT_FAULTS).map((fault) => ({ mode, fault: fault as keyof typeof INIT_FAULTS })));
    const pidFiles: string[] = [];
    const env = (mode: Mode, fault: string, door: string): { INIT_FAULT: string; CHILD_PID_FILE: string } => {
      const file = path.join(scratch, `init-${door}-${mode}-${fault}.pids`);
      pidFiles.push(file);
      return { INIT_FAULT: fault, CHILD_PID_FILE: file };
    };
    const envFlags = (vars: Record<string, string>): string[] => Object.entries(vars).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
    const fnFlags = (mode: Mode): string[] => ['--code-dir', FIXTURES, modeFlag(mode), '-t', '1'];
    await Promise.all(
      cases.flatMap(({ mode, fault }) => [
        (async () => {
          const emulator = createEmulator({ handler: 'init-leaks-child.handler', codeDir: FIXTURES, mode, timeoutSeconds: 1, env: env(mode, fault, 'api'), onLog: () => {}, onWarning: () => {} });
          try {
            for (let i = 0; i < 2; i++) {
              const result = await emulator.invoke({});
              assert.equal(result.status, 'error', `API ${mode} ${fault}`);
              INIT_FAULTS[fault](result.payload);
            }
          } finally {
            await emulator.close();
          }
        })(),
        (async () => {
          const emu = startEmu(['run', 'init-leaks-child.handler', '-', ...fnFlags(mode), ...envFlags(env(mode, fault, 'run'))], '{}');
          assert.equal(await emu.exited, 1, `emu run ${mode} ${fault}: ${emu.stderr.text().slice(-500)}`);
          INIT_FAULTS[fault](JSON.parse(emu.lines[0] as string));
          assertNoSandboxOf(emu.pid);
        })(),
        (async () => {
          const emu = startEmu(['run', 'init-leaks-child.handler', '-', '--stream', ...fnFlags(mode), ...envFlags(env(mode, fault, 'stream'))], '{}\n{}\n');
          assert.equal(await emu.exited, 1, `stream ${mode} ${fault}`);
          assert.equal(emu.lines.length, 2, `stream ${mode} ${fault}: a line per event`);
          for (const line of emu.lines) INIT_FAULTS[fault](JSON.parse(line));
          assertNoSandboxOf(emu.pid);
        })(),
        (async () => {
          const emu = startEmu(['serve', 'init-leaks-child.handler', '--port', '0', '--json', ...fnFlags(mode), ...envFlags(env(mode, fault, 'serve'))], '');
          await emu.waitForLines(1);
          const { url } = JSON.parse(emu.lines[0] as string) as { url: string };
          const response = await send(`${url}/2015-03-31/functions/init-leaks-child/invocations`, { method: 'POST', body: '{}' });
          assert.equal(response.headers['x-amz-function-error'], 'Unhandled', `serve ${mode} ${fault}`);
          INIT_FAULTS[fault](response.json());
          emu.child.kill('SIGTERM');
          assert.equal(await emu.exited, 0);
          assertNoSandboxOf(emu.pid);
        })(),
      ]),
    );
    const children = pidFiles.flatMap((file) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : []));
    // Every door started at least one sandbox per case; the hang's first init and its re-run each started a child.
    assert.ok(children.length >= cases.length * 4, `children started at init: ${children.length}`);
    await assertAllGone(children, 'init-time faults');
  });
});
