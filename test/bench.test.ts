// `emu bench` through the CLI's core (main with captured io): real sandboxes, real gates, real files.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import type { BenchReport } from '../src/bench/index.js';
import { binValues } from '../src/bench/index.js';
import { main } from '../src/cli/main.js';
import { assertNoProcessLeft, FIXTURES } from './helpers.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'emu-bench-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const TWO_EVENTS = path.join(FIXTURES, 'bench', 'two-events.ndjson');
const FAST = ['--code-dir', FIXTURES, '-n', '2'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function bench(args: string[], options: { stdin?: string; tty?: boolean } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const sink = (write: (text: string) => void): Writable =>
    new Writable({ write: (chunk: Buffer, _encoding, done) => (write(chunk.toString()), done()) });
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? '');
  const err = Object.assign(sink((text) => (stderr += text)), { isTTY: options.tty === true });
  const code = await main(['bench', ...args], { stdin, stdout: sink((text) => (stdout += text)), stderr: err });
  assertNoProcessLeft();
  return { code, stdout, stderr };
}

function file(name: string, content: string): string {
  const full = path.join(scratch, name);
  writeFileSync(full, content);
  return full;
}

function json(run: Run): BenchReport {
  return JSON.parse(run.stdout) as BenchReport;
}

describe('emu bench: figures', () => {
  test('--json prints one versioned document: both modes, the penalty and its breakdown; nothing on a non-terminal stderr', async () => {
    const run = await bench(['noop.handler', ...FAST, '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const report = json(run);
    assert.equal(report.schema, 'emu-bench');
    assert.equal(report.schemaVersion, 1);
    const on = report.measuredOn;
    assert.equal(on.handler, 'noop.handler');
    assert.equal(on.eventCount, 1);
    assert.equal(on.eventsSha256, '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'); // sha256("{}")
    assert.deepEqual([on.memorySizeMb, on.timeoutSeconds, on.node, on.platform, on.arch], [128, 3, process.version, process.platform, process.arch]);
    assert.ok(!Number.isNaN(Date.parse(on.date)));
    assert.equal(report.runs, 2);
    assert.equal(report.concurrency, 1);
    const { cold, warm } = report.modes;
    assert.ok(cold !== undefined && warm !== undefined);
    assert.deepEqual([cold.invocations, cold.failed, cold.coldStarts, cold.initDurationMs.count], [2, 0, 2, 2]);
    assert.deepEqual([warm.invocations, warm.failed, warm.coldStarts, warm.initDurationMs.count], [2, 0, 0, 0], 'warm-up makes every measured warm invocation warm');
    for (const figures of [cold, warm]) {
      for (const key of ['min', 'p50', 'p90', 'p99', 'max', 'mean', 'stddev'] as const) assert.equal(typeof figures.durationMs[key], 'number');
      assert.ok((figures.maxMemoryUsedMb.max ?? 0) > 0);
      assert.ok(figures.costPerMillionUsd.x86_64 >= 0.2 && figures.costPerMillionUsd.arm64 >= 0.2, 'requests are included');
      assert.ok(figures.costPerMillionUsd.arm64 <= figures.costPerMillionUsd.x86_64);
    }
    const penalty = report.coldStartPenalty;
    assert.ok(penalty !== undefined);
    const { breakdown } = penalty;
    assert.equal(breakdown.nodeStartSamplesMs.count, 2);
    assert.equal(breakdown.noopInitDurationMs.count, 2);
    const parts = breakdown.nodeStartMs + breakdown.bootstrapMs + breakdown.moduleLoadMs + breakdown.invocationAndOverheadMs;
    assert.ok(Math.abs(parts - penalty.coldCallerLatencyP50Ms) < 0.01, 'the parts add up to the cold p50');
    const shares = Object.values(breakdown.shares).reduce((sum, share) => sum + share, 0);
    assert.ok(Math.abs(shares - 1) < 0.001);
    assert.equal(report.gates, undefined);
  });

  test('tables and sparklines for people; an events file; --modes warm alone has no penalty', async () => {
    const run = await bench(['memory.spike', TWO_EVENTS, ...FAST, '--modes', 'warm']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /emu bench memory\.spike: 2 run\(s\) × 2 event\(s\) per mode/);
    assert.match(run.stdout, /warm Duration \(ms\)/);
    assert.match(run.stdout, /warm caller latency .*[▁▂▃▄▅▆▇█]/);
    assert.doesNotMatch(run.stdout, /^(│ )?cold |Cold-start penalty/m);
    const report = json(await bench(['memory.spike', TWO_EVENTS, ...FAST, '--modes', 'warm', '--json']));
    assert.equal(report.modes.warm?.invocations, 4);
    assert.equal(report.measuredOn.eventCount, 2);
    assert.equal(report.modes.cold, undefined);
    assert.equal(report.coldStartPenalty, undefined);
  });

  test('progress is drawn on a terminal stderr, and erased', async () => {
    const run = await bench(['noop.handler', ...FAST, '--modes', 'warm', '--json'], { tty: true });
    assert.equal(run.code, 0);
    assert.match(run.stderr, /emu bench: 2\/2 invocations/);
    json(run); // stdout is still the document alone
  });

  test('--html writes a self-contained page with inline SVG', async () => {
    const html = path.join(scratch, 'report.html');
    const run = await bench(['noop.handler', ...FAST, '--html', html]);
    assert.equal(run.code, 0, run.stderr);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /<svg /);
    assert.match(page, /Cold-start penalty/);
    assert.doesNotMatch(page, /https?:\/\/|<script|<link /);
  });

  test('a failing function: exit 1, the failure named, no baseline saved', async () => {
    const saved = path.join(scratch, 'failing-baseline.json');
    const run = await bench(['throws.handler', '--code-dir', FIXTURES, '-n', '1', '--modes', 'warm', '--save-baseline', saved]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /1 invocation\(s\) failed with PaymentDeclined: card expired/);
    assert.match(run.stderr, /baseline not saved/);
    assert.ok(!existsSync(saved));
  });
});

describe('emu bench: gates', () => {
  const SPIKE = file('spike-60.ndjson', '{"mb": 60}\n');

  test('--max-memory fails naming the invocation and by how much; a high limit passes', async () => {
    const failing = await bench(['memory.spike', SPIKE, '--code-dir', FIXTURES, '-n', '1', '--modes', 'cold', '-m', '256', '--max-memory', '50']);
    assert.equal(failing.code, 1, failing.stderr);
    assert.match(failing.stdout, /max-memory 50 MB: FAILED/);
    assert.match(failing.stdout, /│ cold │ +1 │ +1 │ [0-9a-f-]{36} │/);
    assert.match(failing.stderr, /gate failed: max-memory/);

    const passing = json(await bench(['memory.spike', SPIKE, '--code-dir', FIXTURES, '-n', '1', '--modes', 'cold', '-m', '256', '--max-memory', '2000', '--json']));
    const gate = passing.gates?.[0];
    assert.ok(gate?.gate === 'max-memory');
    assert.equal(gate.passed, true);
    assert.ok((gate.highestPeakRssMb ?? 0) > 60, 'the 60 MB spike is in the peak');
    assert.deepEqual(gate.violations, []);
  });

  test('--max-duration gates the warm p50 Duration', async () => {
    const failing = await bench(['noop.handler', ...FAST, '--modes', 'warm', '--max-duration', '0.0001', '--json']);
    assert.equal(failing.code, 1);
    const gate = json(failing).gates?.[0];
    assert.ok(gate?.gate === 'max-duration' && !gate.passed && (gate.warmDurationP50Ms ?? 0) > 0.0001);
    const passing = await bench(['noop.handler', ...FAST, '--modes', 'warm', '--max-duration', '600000']);
    assert.equal(passing.code, 0, passing.stderr);
    assert.match(passing.stdout, /max-duration 600000 ms: passed/);
  });
});

describe('emu bench: baselines', () => {
  const baseline = path.join(scratch, 'baseline.json');

  test('--save-baseline records the document; --baseline compares and prints the comparison either way', async () => {
    const saved = await bench(['noop.handler', ...FAST, '--modes', 'warm', '--save-baseline', baseline]);
    assert.equal(saved.code, 0, saved.stderr);
    const document = JSON.parse(readFileSync(baseline, 'utf8')) as BenchReport;
    assert.equal(document.schema, 'emu-bench');
    assert.equal(document.measuredOn.handler, 'noop.handler');

    // Generous tolerances: this test is about the comparison, not about this machine's noise.
    const same = await bench(['noop.handler', ...FAST, '--modes', 'warm', '--baseline', baseline, '--tolerance', '100', '--duration-tolerance', '100000']);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    assert.match(same.stdout, /baseline .*baseline\.json: passed/);
    assert.match(same.stdout, /warm Max Memory Used \(MB\)/);

    // A baseline from a much leaner past: memory grew far beyond 10%.
    const lean = structuredClone(document);
    const warm = lean.modes.warm;
    assert.ok(warm !== undefined);
    warm.maxMemoryUsedMb.max = 1;
    const regressed = await bench(['noop.handler', ...FAST, '--modes', 'warm', '--baseline', file('lean.json', JSON.stringify(lean))]);
    assert.equal(regressed.code, 1);
    assert.match(regressed.stdout, /warm Max Memory Used \(MB\) .*REGRESSED/);
    assert.match(regressed.stderr, /gate failed: baseline/);
  });

  test('at the default tolerances (10% memory, 25% duration), a warm p50 Duration far above the baseline fails the gate', async () => {
    const waits = path.join(scratch, 'waits-baseline.json');
    const args = ['bench/waits.handler', ...FAST, '--modes', 'warm'];
    assert.equal((await bench([...args, '--save-baseline', waits])).code, 0);
    const document = JSON.parse(readFileSync(waits, 'utf8')) as BenchReport;
    const warm = document.modes.warm;
    assert.ok(warm !== undefined);
    warm.maxMemoryUsedMb.max = 100_000; // memory cannot regress: only the duration comparison decides
    warm.durationMs.p50 = 1; // the function waits 20 ms: 20× the baseline, beyond 25% and the 1 ms slack
    const run = await bench([...args, '--baseline', file('fast-past.json', JSON.stringify(document)), '--json']);
    assert.equal(run.code, 1, run.stderr);
    const gate = json(run).gates?.find((g) => g.gate === 'baseline');
    assert.ok(gate?.gate === 'baseline' && !gate.passed, JSON.stringify(gate));
    const byMetric = Object.fromEntries(gate.comparisons.map((c) => [c.metric, c]));
    assert.deepEqual(
      [byMetric['max-memory-used-mb']?.passed, byMetric['max-memory-used-mb']?.tolerancePct],
      [true, 10],
      'the documented default --tolerance, 10%',
    );
    assert.deepEqual(
      [byMetric['warm-duration-p50-ms']?.passed, byMetric['warm-duration-p50-ms']?.tolerancePct],
      [false, 25],
      'the warm p50 Duration is compared, at the documented default --duration-tolerance, 25%',
    );
    assert.ok((byMetric['warm-duration-p50-ms']?.current ?? 0) >= 15, 'the function really waited');
  });

  test('at the default --tolerance, Max Memory Used 30% above the baseline fails the gate', async () => {
    const args = ['noop.handler', ...FAST, '--modes', 'warm'];
    const document = json(await bench([...args, '--json']));
    const warm = document.modes.warm;
    assert.ok(warm !== undefined);
    // From this run's own figure, so that the next run's small change in memory stays far from the 10% edge.
    warm.maxMemoryUsedMb.max = (warm.maxMemoryUsedMb.max as number) / 1.3;
    const run = await bench([...args, '--baseline', file('grew-30.json', JSON.stringify(document)), '--duration-tolerance', '100000', '--json']);
    const gate = json(run).gates?.find((g) => g.gate === 'baseline');
    const memory = gate?.gate === 'baseline' ? gate.comparisons.find((c) => c.metric === 'max-memory-used-mb') : undefined;
    assert.deepEqual([run.code, memory?.passed, memory?.tolerancePct], [1, false, 10], JSON.stringify(memory));
  });

  test('a baseline of another handler, other events, memory size or fewer modes is refused before anything runs', async () => {
    const cases: [string[], RegExp][] = [
      [['counter.handler', ...FAST, '--modes', 'warm'], /measured on handler noop\.handler .* this run is on counter\.handler .*not comparable/],
      [['noop.handler', TWO_EVENTS, ...FAST, '--modes', 'warm'], /measured on other events.*\(1 events\).*\(2 events\).*not comparable/],
      [['noop.handler', ...FAST, '--modes', 'warm', '-m', '256'], /memory size 128 MB.*256 MB/],
      [['noop.handler', ...FAST, '--modes', 'cold'], /has warm figures but this run does not measure warm/],
    ];
    for (const [args, message] of cases) {
      const run = await bench([...args, '--baseline', baseline]);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
  });
});

describe('emu bench: bad input exits 2 with one clear line', () => {
  const cases: [string, string[], RegExp][] = [
    ['missing baseline', ['--baseline', path.join(scratch, 'nope.json')], /baseline .*nope\.json: not found/],
    ['corrupt baseline', ['--baseline', file('corrupt.json', '{"schema": "emu-be')], /is not valid JSON/],
    ['not a bench report', ['--baseline', file('other.json', '{"hello": 1}')], /is not an emu bench report/],
    ['another schema version', ['--baseline', file('v2.json', JSON.stringify({ schema: 'emu-bench', schemaVersion: 2 }))], /schema version 2; this emu reads version 1/],
    ['damaged baseline', ['--baseline', file('damaged.json', JSON.stringify({ schema: 'emu-bench', schemaVersion: 1, modes: {} }))], /is damaged: missing measuredOn/],
    ['bad events line', [path.join(FIXTURES, 'bench', 'bad-line.ndjson')], /bad-line\.ndjson line 2 is not valid JSON/],
    ['empty events', [file('empty.ndjson', '\n\n')], /holds no events/],
    ['missing events', [path.join(scratch, 'absent.ndjson')], /cannot read events file .*: not found/],
    ['--runs 0', ['--runs', '0'], /--runs must be at least 1/],
    ['an unknown mode', ['--modes', 'cold,hot'], /unknown mode 'hot'/],
    ['no mode', ['--modes', ','], /--modes expects/],
    ['--cold', ['--cold'], /--modes cold,warm instead/],
    ['--tolerance without --baseline', ['--tolerance', '5'], /--tolerance .*--baseline FILE, which is missing/],
    ['a bad tolerance', ['--baseline', 'x.json', '--tolerance', 'ten'], /--tolerance expects a number/],
    ['--max-duration without warm', ['--modes', 'cold', '--max-duration', '10'], /add warm to --modes/],
    ['--max-memory 0', ['--max-memory', '0'], /--max-memory must be at least 1/],
    ['an unknown flag', ['--frobnicate'], /Unknown option '--frobnicate'/],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const run = await bench(['noop.handler', '--code-dir', FIXTURES, ...args]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1);
      assert.equal(run.stdout, '');
    });
  }

  test('a bad line on stdin names the line', async () => {
    const run = await bench(['noop.handler', '-', '--code-dir', FIXTURES], { stdin: '{}\n{}\nnope\n' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /events on stdin line 3 is not valid JSON/);
  });

  test('no handler, and --help', async () => {
    assert.equal((await bench([])).code, 2);
    const help = await bench(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--max-memory MB/);
  });
});

test('binValues: equal-width bins over the range, every value counted', () => {
  assert.deepEqual(binValues([], 4), []);
  assert.deepEqual(binValues([5, 5], 4), [{ from: 5, to: 5, count: 2 }]);
  const bins = binValues([0, 1, 2, 3, 4], 2);
  assert.deepEqual(bins.map((bin) => bin.count), [2, 3]);
});
