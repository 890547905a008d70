// Bundles the CLI into the CommonJS files bin/emu.js loads with a V8 code cache: dist/cli/run.cjs
// for `emu run` (src/cli/run-entry.ts: that command alone, half the source) and dist/cli/main.cjs
// for every command (src/cli/main.ts). Each process loads one of them. Run by `npm run build`.
//
// Built-in modules the CLI needs only on some paths (node:crypto, node:http, node:fs/promises, ...)
// are loaded at their first use, not when the bundle initialises: each is 1-4 ms of Node's own
// module loading (node:crypto ~3.5, node:http ~2, fs/promises ~1.8 with the readline it loads),
// and every one-shot `emu run` pays what its path does not use before its sandbox gets its launch.
// A lazy module has the real one's export names, each a getter that loads it.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';

const require = createRequire(import.meta.url);

/** Never touched while the bundle initialises (a class extended or a constant read then would load it at once anyway). */
const LAZY_BUILTINS = ['child_process', 'crypto', 'fs/promises', 'http', 'https', 'string_decoder', 'timers/promises', 'v8', 'zlib'];
const LAZY_NAMESPACE = 'emu-lazy-builtin';

const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(bundler) {
    const filter = new RegExp(`^node:(${LAZY_BUILTINS.map((name) => name.replace('/', '\\/')).join('|')})$`);
    // The lazy module's own require is of the real module, left to Node.
    bundler.onResolve({ filter }, (args) => (args.namespace === LAZY_NAMESPACE ? { path: args.path, external: true } : { path: args.path, namespace: LAZY_NAMESPACE }));
    bundler.onLoad({ filter: /.*/, namespace: LAZY_NAMESPACE }, (args) => ({ contents: lazyModule(args.path), loader: 'js' }));
  },
};

function lazyModule(specifier) {
  const names = Object.keys(require(specifier)).filter((name) => name !== 'default');
  return [
    'let loaded;',
    `const load = () => (loaded ??= require(${JSON.stringify(specifier)}));`,
    `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
  ].join('\n');
}

rmSync('dist/cli', { recursive: true, force: true });
rmSync('dist/cli-bundle', { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/cli/main.ts', run: 'src/cli/run-entry.ts' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outdir: 'dist/cli',
  outExtension: { '.js': '.cjs' },
  logLevel: 'warning',
  define: { 'import.meta.url': '__emuImportMetaUrl' },
  banner: { js: "const __emuImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  external: ['@aws-sdk/*', '@smithy/*', 'yaml', 'cli-table3', 'ndjson', 'pidusage', 'esbuild', 'execa'],
  minifyWhitespace: true,
  minifySyntax: true,
  // Names are the source's own, as identifiers are not minified; only a name esbuild changed to
  // keep two modules' apart (fail2) shows so in a stack trace. Keeping those too costs every run
  // ~1,000 __name() calls at init: 4-6 ms of the CLI's start (20 interleaved runs), through the
  // property redefinitions and the scavenge they bring forward.
  plugins: [lazyBuiltins],
});
