// Builds native/build/sandbox-spawn.node, emu's vfork sandbox starter, when this machine can:
// Linux, a C compiler, and Node's headers. Otherwise emu starts sandboxes through execa and
// setpriv, as before; so this never fails an install, it says why it skipped on stderr.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.join(here, 'sandbox-spawn.c');
const target = path.join(here, 'build', 'sandbox-spawn.node');

function skip(reason) {
  rmSync(target, { force: true });
  process.stderr.write(`emu: the vfork sandbox starter was not built (${reason}): sandboxes start through execa and setpriv\n`);
  process.exit(0);
}

if (process.platform !== 'linux') skip(`it is for Linux; this is ${process.platform}`);
// npm ci runs this twice (the install script, then prepare's build), and npm test's build again:
// a library newer than its source and this script is the one they would make.
const builtAt = statSync(target, { throwIfNoEntry: false })?.mtimeMs;
if (builtAt !== undefined && builtAt >= statSync(source).mtimeMs && builtAt >= statSync(fileURLToPath(import.meta.url)).mtimeMs) process.exit(0);
const headers = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'].find((dir) =>
  existsSync(path.join(dir, 'node_api.h')),
);
if (headers === undefined) skip(`no node_api.h beside ${process.execPath} or in /usr/include/node`);
const compiler = process.env.CC ?? 'cc';
mkdirSync(path.dirname(target), { recursive: true });
const partial = `${target}.${process.pid}.tmp`;
const compile = spawnSync(compiler, ['-O2', '-shared', '-fPIC', '-pthread', `-I${headers}`, '-o', partial, source], { encoding: 'utf8' });
if (compile.error !== undefined || compile.status !== 0) {
  rmSync(partial, { force: true });
  skip(compile.error !== undefined ? `${compiler}: ${compile.error.message}` : `${compiler} failed: ${compile.stderr.trim().split('\n').slice(0, 3).join(' / ')}`);
}
// Loaded once by a Node like the one that will load it: a library that cannot load is no starter.
const load = spawnSync(process.execPath, ['-e', 'const m = { exports: {} }; process.dlopen(m, process.argv[1]); if (typeof m.exports.spawn !== "function") process.exit(1)', partial], { encoding: 'utf8' });
if (load.status !== 0) {
  rmSync(partial, { force: true });
  skip(`it built but does not load: ${load.stderr.trim().split('\n')[0] ?? `exit ${load.status}`}`);
}
renameSync(partial, target);
