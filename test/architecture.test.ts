// Dependencies point one way: cli → index/features → emulator → supervisor → sandbox → runtime-api → measure/events → errors.
// A lower layer tells a higher one things through callbacks, never by importing it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { REPO_ROOT } from './helpers.js';

const SRC = path.join(REPO_ROOT, 'src');
const BOOTSTRAP = path.join(REPO_ROOT, 'runtime-bootstrap');
const RANK: Record<string, number> = {
  cli: 0,
  'index.ts': 1,
  stream: 2,
  http: 2,
  bench: 2,
  credentials: 2,
  remote: 2,
  template: 2,
  build: 2,
  runtimes: 2,
  config: 2,
  'emulator.ts': 3,
  supervisor: 4,
  sandbox: 5,
  'runtime-api': 6,
  measure: 7,
  events: 7,
  errors: 8,
};

/**
 * Every module a source names, whatever the form: static, side-effect and type-only imports,
 * `export … from`, `import(…)` with any quotes or a plain template, `require(…)`, `import x = require(…)`
 * and `import('…').T` types. TypeScript's own pre-processor reads them, so comments and strings are not imports.
 */
function importedSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

function layerOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0] ?? '';
}

function sourceFiles(dir: string, extension: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full, extension) : name.endsWith(extension) ? [full] : [];
  });
}

/** The upward imports in one module of src/ (file is where it would live). */
function layerViolations(file: string, source: string): string[] {
  const from = layerOf(file);
  return importedSpecifiers(source)
    .filter((specifier) => specifier.startsWith('./') || specifier.startsWith('../'))
    .map((specifier) => path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')))
    .filter((target) => (RANK[layerOf(target)] ?? 99) < (RANK[from] ?? 99))
    .map((target) => `${path.relative(SRC, file)} imports ${path.relative(SRC, target)}`);
}

/** What a bootstrap file may import: node: builtins and its sibling .cjs and .mjs files. */
function bootstrapViolations(name: string, source: string): string[] {
  return importedSpecifiers(source)
    .filter((specifier) => !(specifier.startsWith('node:') || /^\.\/[\w-]+\.[cm]js$/.test(specifier)))
    .map((specifier) => `${name} imports ${specifier}`);
}

test('every module of src/ belongs to a known layer', () => {
  const unknown = sourceFiles(SRC, '.ts').map(layerOf).filter((layer) => RANK[layer] === undefined);
  assert.deepEqual([...new Set(unknown)], []);
});

test('no module imports from a layer above its own', () => {
  const violations = sourceFiles(SRC, '.ts').flatMap((file) => layerViolations(file, readFileSync(file, 'utf8')));
  assert.deepEqual(violations, []);
});

test('the bootstrap uses node: builtins and its own files only', () => {
  const names = readdirSync(BOOTSTRAP).filter((name) => /\.[cm]js$/.test(name));
  assert.ok(names.length > 0, 'bootstrap files found');
  assert.deepEqual(names.flatMap((name) => bootstrapViolations(name, readFileSync(path.join(BOOTSTRAP, name), 'utf8'))), []);
});

describe('the import checker sees every form of import', () => {
  const supervisorFile = path.join(SRC, 'supervisor', 'function-pool.ts');
  const upward = [
    `import { main } from '../cli/main.js';`,
    `import { main } from "../cli/main.js";`,
    `import type { Options } from '../cli/run-options.js';`,
    `import '../cli/main.js';`,
    `export { main } from "../cli/main.js";`,
    `export * from '../cli/main.js';`,
    'const cli = await import(`../cli/main.js`);',
    `const cli = await import("../cli/main.js");`,
    `const cli = require('../cli/main.js');`,
    `import cli = require('../cli/main.js');`,
    `let options: import('../cli/run-options.js').Options;`,
  ];
  for (const line of upward) {
    test(`a supervisor module with ${line}`, () => {
      assert.equal(layerViolations(supervisorFile, line).length, 1, line);
    });
  }

  test('downward imports, and imports in comments or strings, are no violation', () => {
    const fine = [`import { x } from '../sandbox/index.js';`, `// import { main } from '../cli/main.js';`, `const text = "import('../cli/main.js')";`].join('\n');
    assert.deepEqual(layerViolations(supervisorFile, fine), []);
  });

  const packages = [`import YAML from "yaml";`, `const { execa } = await import("execa");`, 'await import(`execa`);', `import 'yaml';`, `const y = require("yaml");`, `export { x } from 'yaml';`];
  for (const line of packages) {
    test(`a bootstrap file with ${line}`, () => {
      assert.deepEqual(bootstrapViolations('index.cjs', `const { x } = require("node:fs");\nconst { y } = require('./response-stream.cjs');\nimport { z } from './esm-loader.mjs';\n${line}`).length, 1, line);
    });
  }
});
