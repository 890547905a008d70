// Bundles the CLI into the CommonJS files bin/emu.js loads with a V8 code cache: dist/cli/run.cjs
// for `emu run` (src/cli/run-entry.ts: that command alone, half the source) and dist/cli/main.cjs
// for every command (src/cli/main.ts). Each process loads one of them. Run by `npm run build`.
//
// Built-in modules the CLI needs only on some paths (node:crypto, node:http, node:fs/promises, ...)
// are loaded at their first use, not when the bundle initialises: each is 1-4 ms of Node's own
// module loading (node:crypto ~3.5, node:http ~2, fs/promises ~1.8 with the readline it loads),
// and every one-shot `emu run` pays what its path does not use before its sandbox gets its launch.
// Their imports stay require() calls of `emu-lazy:node:<name>`, which the require bin/emu.js gives
// the bundle answers with a stand-in that loads the module at its first property read. Left
// external, a named import is a plain property read: esbuild copies a bundled module's exports
// into a getter per name for each module that imports it (~1,000 getters, 300 KB of young heap).
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

const LAZY_BUILTINS = ['child_process', 'crypto', 'fs/promises', 'http', 'https', 'string_decoder', 'timers/promises', 'v8', 'zlib'];
/** bin/emu.js's LAZY_PREFIX. */
const LAZY_PREFIX = 'emu-lazy:';

const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(bundler) {
    const filter = new RegExp(`^node:(${LAZY_BUILTINS.map((name) => name.replace('/', '\\/')).join('|')})$`);
    bundler.onResolve({ filter }, (args) => ({ path: `${LAZY_PREFIX}${args.path}`, external: true }));
  },
};

rmSync('dist/cli', { recursive: true, force: true });
rmSync('dist/cli-bundle', { recursive: true, force: true });
mkdirSync('dist/cli', { recursive: true });
const result = await build({
  entryPoints: { main: 'src/cli/main.ts', run: 'src/cli/run-entry.ts' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outdir: 'dist/cli',
  outExtension: { '.js': '.cjs' },
  logLevel: 'warning',
  define: { 'import.meta.url': '__emuImportMetaUrl' },
  // The file is the module's function, which bin/emu.js compiles as it is: wrapped there, the 270 KB string
  // would be copied whole into young heap space once more, bringing a scavenge (~3 ms) forward.
  banner: { js: "(function (exports, require, module, __filename, __dirname, __emuImport) {const __emuImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  footer: { js: '})' },
  external: ['@aws-sdk/*', '@smithy/*', 'yaml', 'cli-table3', 'ndjson', 'pidusage', 'esbuild', 'execa'],
  minifyWhitespace: true,
  minifySyntax: true,
  // Names are the source's own, as identifiers are not minified; only a name esbuild changed to
  // keep two modules' apart (fail2) shows so in a stack trace. Keeping those too costs every run
  // ~1,000 __name() calls at init: 4-6 ms of the CLI's start (20 interleaved runs), through the
  // property redefinitions and the scavenge they bring forward.
  plugins: [lazyBuiltins],
  write: false,
});
for (const file of result.outputFiles) writeFileSync(file.path, oneCopyPerModule(file.text));

/**
 * esbuild's __toESM gives each `import path from 'node:path'` a copy of the module, a getter per
 * export: 25 copies of node:path in a run, ~100 KB of young heap for the scavenge that follows.
 * One copy per module serves them all, as one namespace object serves every importer in ES modules.
 */
function oneCopyPerModule(text) {
  const helper = 'var __toESM=(mod,isNodeMode,target)=>(';
  if (text.split(helper).length !== 2) throw new Error("scripts/bundle-cli.mjs: esbuild's __toESM is not the one this expects: look again at oneCopyPerModule");
  const once = 'var __toESMCopies=new WeakMap,__toESM=(mod,isNodeMode)=>{if(mod==null||typeof mod!="object"&&typeof mod!="function")return __toESMOnce(mod,isNodeMode);let copies=__toESMCopies.get(mod);copies===void 0&&__toESMCopies.set(mod,copies=[]);return copies[isNodeMode?1:0]??=__toESMOnce(mod,isNodeMode)},__toESMOnce=(mod,isNodeMode,target)=>(';
  return text.replace(helper, once);
}
