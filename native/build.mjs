// Builds emu's native parts when this machine can (Linux, a C compiler; Node's headers for the
// first): native/build/sandbox-spawn.node, the vfork sandbox starter, then native/build/emu-launch,
// the launcher bin/emu runs first (it starts a rerun's sandbox before the CLI's Node starts, and
// needs the starter to take that sandbox over). Without the starter, emu starts sandboxes through
// execa and setpriv; without the launcher, bin/emu runs the CLI directly. So this never fails an
// install: it says on stderr what it skipped, and why.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const thisScript = fileURLToPath(import.meta.url);
const starter = path.join(here, 'build', 'sandbox-spawn.node');
const launcher = path.join(here, 'build', 'emu-launch');
const childHeader = path.join(here, 'vfork-child.h');

function skip(targets, reason, consequence) {
  for (const target of targets) rmSync(target, { force: true });
  process.stderr.write(`emu: ${reason}: ${consequence}\n`);
  process.exit(0);
}
const NO_STARTER = 'sandboxes start through execa and setpriv, and the emu command runs the CLI directly';

if (process.platform !== 'linux') skip([starter, launcher], `the vfork sandbox starter was not built (it is for Linux; this is ${process.platform})`, NO_STARTER);

/** npm ci runs this twice (the install script, then prepare's build), and npm test's build again: a target newer than its sources and this script is the one they would make. */
function upToDate(target, sources) {
  const builtAt = statSync(target, { throwIfNoEntry: false })?.mtimeMs;
  return builtAt !== undefined && [...sources, thisScript].every((source) => builtAt >= statSync(source).mtimeMs);
}

/** Compiles into a temporary file, checks it, renames it into place; else the reason it could not. */
function compile(target, args, check) {
  const compiler = process.env.CC ?? 'cc';
  mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.tmp`;
  const compiled = spawnSync(compiler, [...args, '-o', partial], { encoding: 'utf8' });
  if (compiled.error !== undefined || compiled.status !== 0) {
    rmSync(partial, { force: true });
    return compiled.error !== undefined ? `${compiler}: ${compiled.error.message}` : `${compiler} failed: ${compiled.stderr.trim().split('\n').slice(0, 3).join(' / ')}`;
  }
  const problem = check(partial);
  if (problem !== undefined) {
    rmSync(partial, { force: true });
    return problem;
  }
  renameSync(partial, target);
  return undefined;
}

const starterSource = path.join(here, 'sandbox-spawn.c');
if (!upToDate(starter, [starterSource, childHeader])) {
  const headers = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'].find((dir) =>
    existsSync(path.join(dir, 'node_api.h')),
  );
  if (headers === undefined) skip([starter, launcher], `the vfork sandbox starter was not built (no node_api.h beside ${process.execPath} or in /usr/include/node)`, NO_STARTER);
  // Loaded once by a Node like the one that will load it: a library that cannot load is no starter.
  const problem = compile(starter, ['-O2', '-shared', '-fPIC', '-pthread', `-I${headers}`, starterSource], (built) => {
    const load = spawnSync(process.execPath, ['-e', 'const m = { exports: {} }; process.dlopen(m, process.argv[1]); if (typeof m.exports.spawn !== "function") process.exit(1)', built], { encoding: 'utf8' });
    return load.status === 0 ? undefined : `it built but does not load: ${load.stderr.trim().split('\n')[0] ?? `exit ${load.status}`}`;
  });
  if (problem !== undefined) skip([starter, launcher], `the vfork sandbox starter was not built (${problem})`, NO_STARTER);
}

const launcherSource = path.join(here, 'emu-launch.c');
if (!upToDate(launcher, [launcherSource, childHeader])) {
  // Run once, as bin/emu would, where the CLI is built (not yet during npm ci's install script): a launcher that cannot run the CLI is no launcher.
  const cliBuilt = existsSync(path.join(here, '..', 'dist', 'cli', 'main.cjs'));
  const problem = compile(launcher, ['-O2', launcherSource], (built) => {
    if (!cliBuilt) return undefined;
    const run = spawnSync(built, ['--version'], { encoding: 'utf8' });
    return run.status === 0 ? undefined : `it built but does not run the CLI: ${(run.error?.message ?? run.stderr.trim().split('\n')[0]) || `exit ${run.status}`}`;
  });
  if (problem !== undefined) skip([launcher], `the launcher was not built (${problem})`, 'the emu command runs the CLI directly');
}
