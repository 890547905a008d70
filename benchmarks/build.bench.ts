// What building TypeScript costs a user (issue #10), each figure side by side with its yardstick in one run:
//   1. a one-shot `emu run` of a TypeScript function whose build is cached, against the same function
//      already compiled to JavaScript (the cached artifact itself, run as plain code);
//   2. the first build of a 50-module TypeScript function, against esbuild's own CLI on the same entry;
//   3. `emu serve --watch`: from saving a file to the first request answered by the new code, 20 edits.
// Wall time and CPU (user + sys of every process involved) per operation. Usage:
//   npm run build && npx tsx benchmarks/build.bench.ts [--quick]
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// The built package, as users run it.
import { buildFunction, resolveBuild } from '../dist/build/index.js';
import { reapedChildrenCpuMs, treeCpuMs } from './lib/process-cpu.js';
import { machineLine, writeResultsSection } from './lib/results-file.js';
import { fmt, median, percentile } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const EMU = path.join(ROOT, 'bin', 'emu.js');
const ESBUILD = path.join(ROOT, 'node_modules', '.bin', 'esbuild');
const quick = process.argv.includes('--quick');
const ONE_SHOT_RUNS = quick ? 7 : 21;
const FIRST_BUILD_RUNS = quick ? 5 : 11;
const EDITS = 20;
const MODULES = 50;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'emu-build-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** One run of a command to its exit: wall time, and its CPU (it is the only child reaped meanwhile). */
function timed(file: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): { wallMs: number; cpuMs: number; stdout: string } {
  const cpuBefore = reapedChildrenCpuMs();
  const started = performance.now();
  const run = spawnSync(file, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  const wallMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`${path.basename(file)} ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return { wallMs, cpuMs: reapedChildrenCpuMs() - cpuBefore, stdout: run.stdout };
}

const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
const verdict = (met: boolean): string => (met ? 'met' : '**not met**');

/** 1. Cached TypeScript against the same code as JavaScript, interleaved. */
function oneShot(): string[] {
  const project = path.join(scratch, 'ts-app');
  cpSync(path.join(ROOT, 'test', 'fixtures', 'build', 'ts-app'), project, { recursive: true });
  const event = path.join(scratch, 'event.json');
  writeFileSync(event, '{"cents":250}');
  const env = { ...process.env, EMU_CACHE_DIR: path.join(scratch, 'cache-one-shot') };
  const ts = ['run', 'src/orders.handler', event, '--code-dir', project, '--no-credentials'];
  // The first run builds (and writes the CLI's code cache); its artifact is the JavaScript yardstick.
  const first = JSON.parse(timed(process.execPath, [EMU, ...ts, '--json'], env).stdout) as { build: { cacheHit: boolean } };
  if (first.build.cacheHit) throw new Error('the first run should have built');
  const artifact = /→ (\S+)\n/.exec(spawnSync(process.execPath, [EMU, ...ts, '-v'], { env, encoding: 'utf8' }).stderr)?.[1];
  if (artifact === undefined) throw new Error('no artifact folder in emu run -v');
  // The same sandbox environment: the build asks for NODE_OPTIONS=--enable-source-maps, and so does the yardstick.
  const js = ['run', 'src/orders.handler', event, '--code-dir', artifact, '--no-credentials', '--env', 'NODE_OPTIONS=--enable-source-maps'];
  const runs = { ts: [] as number[], js: [] as number[], tsCpu: [] as number[], jsCpu: [] as number[] };
  for (let i = 0; i < ONE_SHOT_RUNS; i++) {
    const cached = timed(process.execPath, [EMU, ...ts], env);
    const plain = timed(process.execPath, [EMU, ...js], env);
    runs.ts.push(cached.wallMs);
    runs.tsCpu.push(cached.cpuMs);
    runs.js.push(plain.wallMs);
    runs.jsCpu.push(plain.cpuMs);
  }
  const ratio = median(runs.ts) / median(runs.js);
  return [
    `| one-shot \`emu run\` of a TypeScript function, build cached, wall (CPU) | ${fmt(median(runs.ts))} ms (${fmt(mean(runs.tsCpu))} ms) | the same code as JavaScript: ${fmt(median(runs.js))} ms (${fmt(mean(runs.jsCpu))} ms) | ${fmt(ratio, 3)}× | ≤ 1.05× | ${verdict(ratio <= 1.05)} |`,
  ];
}

/** A TypeScript function of 50 modules: an entry importing 49 modules, each with types, a class and an enum. */
function fiftyModules(): string {
  const dir = path.join(scratch, 'fifty');
  mkdirSync(path.join(dir, 'src', 'parts'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), '{"name":"fifty","private":true}\n');
  writeFileSync(path.join(dir, 'tsconfig.json'), '{"compilerOptions":{"strict":true,"target":"es2022"}}\n');
  const imports: string[] = [];
  for (let i = 1; i < MODULES; i++) {
    writeFileSync(
      path.join(dir, 'src', 'parts', `part${i}.ts`),
      `export interface Item${i} { id: number; name: string; tags?: readonly string[] }
export enum Kind${i} { A = 'a${i}', B = 'b${i}' }
export class Store${i}<T extends Item${i}> {
  readonly #items = new Map<number, T>();
  add(item: T): this { this.#items.set(item.id, item); return this; }
  names(kind: Kind${i} = Kind${i}.A): string[] { return [...this.#items.values()].map((item) => \`\${kind}:\${item.name}\`); }
}
export const part${i} = (n: number): string[] => new Store${i}<Item${i}>().add({ id: n, name: 'n' + n }).names();
`,
    );
    imports.push(`import { part${i} } from './parts/part${i}';`);
  }
  const calls = Array.from({ length: MODULES - 1 }, (_, i) => `part${i + 1}(n)`).join(', ');
  writeFileSync(path.join(dir, 'src', 'app.ts'), `${imports.join('\n')}\nexport const handler = async ({ n = 1 }: { n?: number }) => [${calls}].flat().length;\n`);
  return dir;
}

/**
 * 2. emu's first build against esbuild's CLI with the same options, interleaved: emu's through its API (buildFunction,
 * a fresh cache each time: cache key, esbuild, inputs hashed, artifact stored), and as `emu run --json` reports it.
 */
async function firstBuild(): Promise<string[]> {
  const dir = fiftyModules();
  const event = path.join(scratch, 'event.json');
  const plan = resolveBuild({ functionName: 'fifty', codeDir: dir, handler: 'src/app.handler' });
  if (plan.kind !== 'esbuild') throw new Error('the 50-module function should need a build');
  const api = { wall: [] as number[], cpu: [] as number[] };
  const cli = { wall: [] as number[], cpu: [] as number[] };
  const inRun: number[] = [];
  const esbuildArgs = ['src/app.ts', '--bundle', '--platform=node', '--format=cjs', '--target=node20', '--sourcemap', `--outbase=${dir}`];
  const args = ['run', 'src/app.handler', event, '--code-dir', dir, '--no-credentials', '--json'];
  for (let i = 0; i < FIRST_BUILD_RUNS; i++) {
    const cpuBefore = process.cpuUsage();
    const childrenBefore = reapedChildrenCpuMs();
    const started = performance.now();
    const built = await buildFunction(plan, { cacheDir: path.join(scratch, `cache-first-${i}`) });
    api.wall.push(performance.now() - started);
    const own = process.cpuUsage(cpuBefore);
    api.cpu.push((own.user + own.system) / 1000 + reapedChildrenCpuMs() - childrenBefore);
    if (built.cacheHit) throw new Error('a fresh cache cannot hit');
    const byCli = timed(ESBUILD, [...esbuildArgs, `--outdir=${path.join(scratch, `esbuild-out-${i}`)}`, '--log-level=warning'], process.env, dir);
    cli.wall.push(byCli.wallMs);
    cli.cpu.push(byCli.cpuMs);
    const env = { ...process.env, EMU_CACHE_DIR: path.join(scratch, `cache-run-${i}`) };
    const record = JSON.parse(timed(process.execPath, [EMU, ...args], env).stdout) as { payload: number; build: { durationMs: number; cacheHit: boolean } };
    if (record.build.cacheHit || record.payload !== MODULES - 1) throw new Error(`unexpected first build: ${JSON.stringify(record)}`);
    inRun.push(record.build.durationMs);
  }
  const ratio = median(api.wall) / median(cli.wall);
  return [
    `| first build of a ${MODULES}-module TypeScript function (buildFunction: cache key, esbuild, inputs hashed, stored), wall (CPU) | ${fmt(median(api.wall))} ms (${fmt(mean(api.cpu))} ms) | esbuild's CLI, same entry and options: ${fmt(median(cli.wall))} ms (${fmt(mean(cli.cpu))} ms) | ${fmt(ratio, 2)}× | ≤ 1.2× | ${verdict(ratio <= 1.2)} |`,
    `| the same first build inside a one-shot \`emu run\` (its \`--json\` build.durationMs), wall | ${fmt(median(inRun))} ms | | ${fmt(median(inRun) / median(cli.wall), 2)}× | | |`,
  ];
}

function post(url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** 3. Save → first answer from the new code, through a real `emu serve --watch`. */
async function watchLoop(): Promise<string[]> {
  const project = path.join(scratch, 'watched');
  cpSync(path.join(ROOT, 'test', 'fixtures', 'build', 'ts-app'), project, { recursive: true });
  const source = (version: number): string => `import { formatCents } from '@lib/money';\nexport const handler = async (e: { cents: number }) => ({ version: ${version}, total: formatCents(e.cents) });\n`;
  writeFileSync(path.join(project, 'src', 'orders.ts'), source(0));
  const env = { ...process.env, EMU_CACHE_DIR: path.join(scratch, 'cache-watch') };
  const serve = spawn(process.execPath, [EMU, 'serve', 'src/orders.handler', '--code-dir', project, '--watch', '--port', '0', '--json', '--no-credentials'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  const killer = setTimeout(() => serve.kill('SIGKILL'), 300_000);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      serve.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0] as string) as { url: string }).url);
      });
      serve.once('exit', (code) => reject(new Error(`emu serve exited ${code}`)));
    });
    const invoke = `${url}/2015-03-31/functions/orders/invocations`;
    await post(invoke, '{"cents":1}');
    const latencies: number[] = [];
    const cpuBefore = treeCpuMs(serve.pid as number);
    for (let version = 1; version <= EDITS; version++) {
      await new Promise((resolve) => setTimeout(resolve, 300)); // an editor's pace: each save on its own
      const saved = performance.now();
      writeFileSync(path.join(project, 'src', 'orders.ts'), source(version));
      for (;;) {
        const answer = JSON.parse(await post(invoke, '{"cents":1}')) as { version?: number };
        if (answer.version === version) break;
        if (performance.now() - saved > 30_000) throw new Error(`edit ${version} never answered: ${JSON.stringify(answer)}`);
      }
      latencies.push(performance.now() - saved);
    }
    const cpuPerEdit = (treeCpuMs(serve.pid as number) - cpuBefore) / EDITS;
    const p50 = median(latencies);
    return [
      `| \`emu serve --watch\`: save → first answer from the new code, p50 (p90) over ${EDITS} edits; CPU per edit (serve, esbuild, sandboxes, polling answers included) | ${fmt(p50)} ms (${fmt(percentile(latencies, 90))} ms); ${fmt(cpuPerEdit)} ms | | | ≤ 150 ms | ${verdict(p50 <= 150)} |`,
    ];
  } finally {
    clearTimeout(killer);
    serve.kill('SIGINT');
    await new Promise((resolve) => serve.once('exit', resolve));
  }
}

const rows = [...oneShot(), ...(await firstBuild()), ...(await watchLoop())];
const caStatus = process.env.NODE_EXTRA_CA_CERTS === undefined ? 'unset' : 'set (every CLI start pays for it, both sides alike)';
const markdown = `## Building TypeScript (\`npx tsx benchmarks/build.bench.ts${quick ? ' --quick' : ''}\`)

${machineLine()}, ${os.cpus().length} cores; NODE_EXTRA_CA_CERTS ${caStatus}. Medians of ${ONE_SHOT_RUNS} interleaved one-shot pairs and ${FIRST_BUILD_RUNS} interleaved first builds (each in a fresh cache); CPU is user + sys of every process involved (the CLI, its sandbox, esbuild), mean per operation; children's CPU is counted in 10 ms clock ticks.

| measure | emu | yardstick | ratio | target | |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
process.stdout.write(markdown);
writeResultsSection('build', markdown);
