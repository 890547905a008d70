// Dependencies point one way: cli → index/features → emulator → supervisor → sandbox → runtime-api → measure/events → errors.
// A lower layer tells a higher one things through callbacks, never by importing it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './helpers.js';

const SRC = path.join(REPO_ROOT, 'src');
const RANK: Record<string, number> = {
  cli: 0,
  'index.ts': 1,
  stream: 2,
  http: 2,
  bench: 2,
  credentials: 2,
  template: 2,
  config: 2,
  'emulator.ts': 3,
  supervisor: 4,
  sandbox: 5,
  'runtime-api': 6,
  measure: 7,
  events: 7,
  errors: 8,
};

function layerOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0] ?? '';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : name.endsWith('.ts') ? [full] : [];
  });
}

test('every module of src/ belongs to a known layer', () => {
  const unknown = sourceFiles(SRC).map(layerOf).filter((layer) => RANK[layer] === undefined);
  assert.deepEqual([...new Set(unknown)], []);
});

test('no module imports from a layer above its own', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), (match[1] as string).replace(/\.js$/, '.ts'));
      const from = layerOf(file);
      const to = layerOf(target);
      if ((RANK[to] ?? 99) < (RANK[from] ?? 99)) violations.push(`${path.relative(SRC, file)} imports ${path.relative(SRC, target)}`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the bootstrap uses node: builtins and its own files only', () => {
  const dir = path.join(REPO_ROOT, 'runtime-bootstrap');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.mjs'))) {
    const source = readFileSync(path.join(dir, name), 'utf8');
    for (const match of source.matchAll(/from\s*'([^']+)'/g)) {
      const specifier = match[1] as string;
      assert.ok(specifier.startsWith('node:') || /^\.\/[\w-]+\.mjs$/.test(specifier), `${name} imports ${specifier}`);
    }
  }
});
