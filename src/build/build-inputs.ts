/**
 * Every file a build's output depends on: the sources in the bundle's graph (esbuild's metafile
 * inputs) and the configuration esbuild reads beside them: tsconfig.json / jsconfig.json (and
 * what they extend) and package.json in each source's folder and every folder above it. A missing
 * candidate is an input too: creating a tsconfig.json changes the build.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const CONFIG_NAMES = ['tsconfig.json', 'jsconfig.json', 'package.json'];

export function buildInputs(codeDir: string, metafileInputs: string[], tsconfig: string | undefined): string[] {
  const sources = metafileInputs.filter((input) => !/^[a-z-]+:/.test(input)).map((input) => path.resolve(codeDir, input));
  const folders = new Set<string>();
  for (const source of sources) {
    if (source.split(path.sep).includes('node_modules')) continue; // a package's own files are in the graph already
    for (let dir = path.dirname(source); !folders.has(dir); dir = path.dirname(dir)) {
      folders.add(dir);
      if (path.dirname(dir) === dir) break;
    }
  }
  const configs = [...folders].flatMap((dir) => CONFIG_NAMES.map((name) => path.join(dir, name)));
  if (tsconfig !== undefined) configs.push(path.resolve(codeDir, tsconfig));
  return [...sources, ...configs, ...configs.flatMap((config) => extendedConfigs(config, 0))];
}

/** The files a tsconfig extends (relative paths or packages), followed a few levels deep. */
function extendedConfigs(config: string, depth: number): string[] {
  if (depth > 4 || path.basename(config) === 'package.json') return [];
  let extendsField: unknown;
  try {
    extendsField = (JSON.parse(withoutComments(readFileSync(config, 'utf8'))) as { extends?: unknown }).extends;
  } catch {
    return [];
  }
  const names = (Array.isArray(extendsField) ? extendsField : [extendsField]).filter((name): name is string => typeof name === 'string');
  return names.flatMap((name) => {
    const file = resolveExtends(config, name);
    return file === undefined ? [] : [file, ...extendedConfigs(file, depth + 1)];
  });
}

function resolveExtends(config: string, name: string): string | undefined {
  const withJson = name.endsWith('.json') ? name : `${name}.json`;
  if (name.startsWith('.') || path.isAbsolute(name)) return path.resolve(path.dirname(config), withJson);
  try {
    return createRequire(config).resolve(withJson);
  } catch {
    return undefined;
  }
}

/** tsconfig files allow comments and trailing commas; strings are kept intact. */
function withoutComments(text: string): string {
  return text
    .replace(/("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (match, string: string | undefined) => string ?? '')
    .replace(/,(\s*[}\]])/g, '$1');
}
