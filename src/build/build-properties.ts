/**
 * A template's esbuild BuildProperties as esbuild options, the way `sam build` passes them:
 * SAM turns each PascalCase key into a kebab-case esbuild CLI flag (true → `--minify`, a string
 * → `--target=es2020`, a list → one `--external:NAME` per item), so a property exists exactly
 * when esbuild's CLI has that flag. Here each known flag maps to the esbuild API option the
 * CLI would set; a value in a shape the CLI would refuse is a usage error naming the property.
 */
import type { BuildOptions } from 'esbuild';
import { usageError } from '../errors/emu-error.js';

/** The esbuild options a plan carries: JSON data, so a cache key can hash them. */
export type PlanOptions = Omit<BuildOptions, 'entryPoints' | 'outdir' | 'outfile' | 'bundle' | 'platform' | 'metafile' | 'write' | 'absWorkingDir' | 'plugins' | 'stdin'>;

/** string: `--key=value` (comma lists where esbuild splits them); list: `--key:item` per item, `k=v` items become a map. */
type Shape = 'flag' | 'string' | 'comma' | 'list' | 'map';

interface PropertyRule {
  option: keyof PlanOptions;
  shape: Shape;
}

const RULES: Record<string, PropertyRule> = {
  Format: { option: 'format', shape: 'string' },
  Target: { option: 'target', shape: 'comma' },
  Minify: { option: 'minify', shape: 'flag' },
  Sourcemap: { option: 'sourcemap', shape: 'flag' },
  SourcesContent: { option: 'sourcesContent', shape: 'flag' },
  SourceRoot: { option: 'sourceRoot', shape: 'string' },
  MainFields: { option: 'mainFields', shape: 'comma' },
  Conditions: { option: 'conditions', shape: 'comma' },
  ResolveExtensions: { option: 'resolveExtensions', shape: 'comma' },
  Tsconfig: { option: 'tsconfig', shape: 'string' },
  Charset: { option: 'charset', shape: 'string' },
  LegalComments: { option: 'legalComments', shape: 'string' },
  KeepNames: { option: 'keepNames', shape: 'flag' },
  TreeShaking: { option: 'treeShaking', shape: 'flag' },
  IgnoreAnnotations: { option: 'ignoreAnnotations', shape: 'flag' },
  Jsx: { option: 'jsx', shape: 'string' },
  JsxFactory: { option: 'jsxFactory', shape: 'string' },
  JsxFragment: { option: 'jsxFragment', shape: 'string' },
  JsxImportSource: { option: 'jsxImportSource', shape: 'string' },
  External: { option: 'external', shape: 'list' },
  Inject: { option: 'inject', shape: 'list' },
  Drop: { option: 'drop', shape: 'list' },
  Pure: { option: 'pure', shape: 'list' },
  Loader: { option: 'loader', shape: 'map' },
  Define: { option: 'define', shape: 'map' },
  OutExtension: { option: 'outExtension', shape: 'map' },
  Banner: { option: 'banner', shape: 'map' },
  Footer: { option: 'footer', shape: 'map' },
  Alias: { option: 'alias', shape: 'map' },
};

/** Keys SAM reads itself or sets for Lambda, never passed on as written (lambda-builders' NON_CONFIGURABLE_VALUES, ESBUILD_IGNORE_VALUES). */
const SAM_OWNED = new Set(['EntryPoints', 'UseNpmCi', 'Bundle', 'Platform', 'Outdir']);

export interface MappedProperties {
  options: PlanOptions;
  /** One line per property emu does not apply, and why. */
  warnings: string[];
}

/** SAM's defaults where the template is silent (lambda-builders' build_default_values), then the template's own properties. */
export function mapBuildProperties(functionName: string, properties: Record<string, unknown>): MappedProperties {
  const options: Record<string, unknown> = {};
  const warnings: string[] = [];
  if (!('Target' in properties)) options.target = ['es2020'];
  if (!('Format' in properties)) options.format = 'cjs';
  if (!('Minify' in properties)) options.minify = true;
  for (const [key, value] of Object.entries(properties)) {
    const rule = RULES[key];
    if (SAM_OWNED.has(key)) {
      if (key === 'Platform' && value !== 'node') warnings.push(`${functionName}: BuildProperties.Platform is always node for Lambda (sam build ignores it too)`);
      continue;
    }
    if (rule === undefined) {
      warnings.push(`${functionName}: BuildProperties.${key} is not applied by emu (not an esbuild option emu knows)`);
      continue;
    }
    const mapped = mapValue(functionName, key, rule.shape, value);
    if (mapped !== undefined) options[rule.option] = mapped;
  }
  return { options: options as PlanOptions, warnings };
}

function mapValue(functionName: string, key: string, shape: Shape, value: unknown): unknown {
  const where = `${functionName}: BuildProperties.${key}`;
  switch (shape) {
    case 'flag':
      return flagValue(where, value);
    case 'string':
      if (typeof value !== 'string') throw usageError(`${where} must be a string (${describe(value)} given)`);
      return value;
    case 'comma':
      if (typeof value !== 'string') throw usageError(`${where} must be a comma-separated string, as sam build passes it to esbuild as --${kebab(key)}=A,B (${describe(value)} given)`);
      return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
    case 'list':
      return stringList(where, key, value);
    case 'map':
      return Object.fromEntries(stringList(where, key, value).map((item) => keyValue(where, item)));
  }
}

/** true is the bare flag, false no flag at all (so `SourcesContent: false` changes nothing, as in sam build); a string is `--flag=value`. */
function flagValue(where: string, value: unknown): unknown {
  if (value === true || value === false) return value ? true : undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (typeof value === 'string') return value; // e.g. Sourcemap: inline | external | linked | both
  throw usageError(`${where} must be true, false or a string (${describe(value)} given)`);
}

function stringList(where: string, key: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw usageError(`${where} must be a list of strings, as sam build passes each item to esbuild as --${kebab(key)}:ITEM (${describe(value)} given)`);
  }
  return value;
}

function keyValue(where: string, item: string): [string, string] {
  const equals = item.indexOf('=');
  if (equals <= 0) throw usageError(`${where} items must be KEY=VALUE ('${item}' given)`);
  return [item.slice(0, equals), item.slice(equals + 1)];
}

function kebab(key: string): string {
  return key.replace(/(?<!^)(?=[A-Z])/g, '-').toLowerCase();
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'string' ? `'${value}'` : `a ${typeof value}`;
}
