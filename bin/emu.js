#!/usr/bin/env node
// The emu CLI's process boundary: argv in, exit code out.
//
// Start-up is on the path of every one-shot `emu run`, so this file is CommonJS
// (bin/package.json) and never starts Node's ESM loader, and the CLI is an
// esbuild bundle (dist/cli/run.cjs for `emu run`, main.cjs for the rest) compiled
// with a V8 code cache: parsing and compiling it would otherwise cost every run
// tens of milliseconds (the bundle is also minified, whitespace and syntax only: ~20% less source,
// ~7 ms less compile per run; see scripts/bundle-cli.mjs). A cache is written next to the bundle after a run that
// had none (or whose cache V8 refused: another Node version or V8 flags), one per command, and
// its name carries the bundle's size and mtime, because V8 itself checks only
// the source's length and would run stale code after a rebuild.
'use strict';
// First, so the sandbox's Node starts while this one is still loading (emu run only). Nothing in
// it may stop the CLI (a deleted working folder, say): the sandbox then starts the usual way.
const early = process.argv[2] === 'run' ? startEarly() : undefined;

function startEarly() {
  try {
    return require('./early-start.cjs').earlyStart(process.argv.slice(2), process.cwd(), process.env);
  } catch {
    return undefined;
  }
}

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

// emu run has a bundle of its own, half the size of the whole CLI's (see scripts/bundle-cli.mjs).
const bundle = path.join(__dirname, '..', 'dist', 'cli', process.argv[2] === 'run' ? 'run.cjs' : 'main.cjs');
const CACHED_COMMANDS = new Set(['run', 'serve', 'bench', 'event', 'runtime']);

function loadCli() {
  let source;
  let stat;
  try {
    stat = fs.statSync(bundle);
    source = fs.readFileSync(bundle, 'utf8');
  } catch {
    process.stderr.write(`emu: internal error: ${bundle} is missing (run \`npm run build\`)\n`);
    process.exit(3);
  }
  // One cache per command: a cache holds what the run that wrote it compiled, so one written by
  // `emu --version` left every later `emu run` compiling its whole path from source (~9 ms a run).
  const command = CACHED_COMMANDS.has(process.argv[2]) ? process.argv[2] : 'other';
  const cacheFile = `${bundle}.${stat.size}-${Math.trunc(stat.mtimeMs)}.${command}.cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined; // first run after a build, or an unwritable install
  }
  // The bundle is the module's function expression (scripts/bundle-cli.mjs): compiled as read, not copied into a wrapper.
  const script = new vm.Script(source, {
    filename: bundle,
    cachedData,
  });
  const cliModule = { exports: {} };
  // import() compiled from a code cache has no loader in Node 20: the bundle imports what it leaves out (execa) through this one.
  const importExternal = (specifier) => import(specifier);
  script.runInThisContext()(cliModule.exports, bundleRequire(createRequire(bundle)), cliModule, bundle, path.dirname(bundle), importExternal);
  const saveCache = () => {
    if (cachedData !== undefined && !script.cachedDataRejected) return;
    try {
      const temporary = `${cacheFile}.${process.pid}`; // written whole, then renamed: concurrent runs never read half a cache
      fs.writeFileSync(temporary, script.createCachedData());
      fs.renameSync(temporary, cacheFile);
    } catch {
      // a read-only install runs without a cache
    }
  };
  return { main: cliModule.exports.main, saveCache };
}

/** The bundle's require (see scripts/bundle-cli.mjs): `emu-lazy:node:crypto` is node:crypto, loaded at its first property read. */
const LAZY_PREFIX = 'emu-lazy:';

function bundleRequire(realRequire) {
  const standIns = new Map();
  const lazily = (id) => {
    let loaded;
    const load = () => (loaded ??= realRequire(id));
    // Every trap forwards to the module itself; a property is reported configurable, as the empty target has none.
    const configurable = (descriptor) => (descriptor === undefined ? undefined : { ...descriptor, configurable: true });
    return new Proxy(
      {},
      {
        get: (_, key) => load()[key],
        has: (_, key) => key in load(),
        ownKeys: () => Reflect.ownKeys(load()),
        getOwnPropertyDescriptor: (_, key) => configurable(Reflect.getOwnPropertyDescriptor(load(), key)),
        getPrototypeOf: () => Reflect.getPrototypeOf(load()),
      },
    );
  };
  return Object.assign((id) => {
    if (!id.startsWith(LAZY_PREFIX)) return realRequire(id);
    const name = id.slice(LAZY_PREFIX.length);
    if (!standIns.has(name)) standIns.set(name, lazily(name));
    return standIns.get(name);
  }, realRequire);
}

// A reader that went away (`emu run … | head`) is not emu failing: what it no longer takes is
// dropped instead of crashing on EPIPE (a stream run notices it and stops; see stream-command).
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

const { main, saveCache } = loadCli();
main(process.argv.slice(2), undefined, early).then(async (code) => {
  saveCache(); // after the run, so the cache holds the functions it compiled too
  await early?.discard(); // nobody took it (a usage error, say): ended and reaped, not left to die with this process
  exitAfterOutput(code);
});

// Writes to a pipe are not synchronous in Node on Linux: whatever the reader has not taken yet
// (past the kernel's 64 KB) waits in this process, and process.exit() would drop it, cutting a
// payload piped into a slow `jq`, or a function's logs, short. An empty write's callback runs once
// everything written before it is out.
function exitAfterOutput(code) {
  let waiting = 2;
  const done = () => {
    if (--waiting === 0) process.exit(code);
  };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || stream.writableEnded) done();
    else stream.write('', done);
  }
}
