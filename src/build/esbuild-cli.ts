/**
 * A one-off build through esbuild's own command line, as `sam build` runs it: a plan's options
 * as the CLI flags they came from. The first build of a function is on a user's path (emu run),
 * and the CLI binary starts in about half the time the JavaScript API takes to load and start
 * its service. Messages are read through the API instead (buildWithApi), only when there are any.
 */
import { execFile } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { EsbuildPlan } from './build-plan.js';
import type { PlanOptions } from './build-properties.js';

/** How each plan option is written as a flag (esbuild's CLI syntax; see build-properties.ts for the reverse). */
const FLAGS: Partial<Record<keyof PlanOptions, { flag: string; shape: 'value' | 'list' | 'map' }>> = {
  format: { flag: 'format', shape: 'value' },
  target: { flag: 'target', shape: 'value' },
  minify: { flag: 'minify', shape: 'value' },
  sourcemap: { flag: 'sourcemap', shape: 'value' },
  sourcesContent: { flag: 'sources-content', shape: 'value' },
  sourceRoot: { flag: 'source-root', shape: 'value' },
  mainFields: { flag: 'main-fields', shape: 'value' },
  conditions: { flag: 'conditions', shape: 'value' },
  resolveExtensions: { flag: 'resolve-extensions', shape: 'value' },
  tsconfig: { flag: 'tsconfig', shape: 'value' },
  charset: { flag: 'charset', shape: 'value' },
  legalComments: { flag: 'legal-comments', shape: 'value' },
  keepNames: { flag: 'keep-names', shape: 'value' },
  treeShaking: { flag: 'tree-shaking', shape: 'value' },
  ignoreAnnotations: { flag: 'ignore-annotations', shape: 'value' },
  jsx: { flag: 'jsx', shape: 'value' },
  jsxFactory: { flag: 'jsx-factory', shape: 'value' },
  jsxFragment: { flag: 'jsx-fragment', shape: 'value' },
  jsxImportSource: { flag: 'jsx-import-source', shape: 'value' },
  external: { flag: 'external', shape: 'list' },
  inject: { flag: 'inject', shape: 'list' },
  drop: { flag: 'drop', shape: 'list' },
  pure: { flag: 'pure', shape: 'list' },
  loader: { flag: 'loader', shape: 'map' },
  define: { flag: 'define', shape: 'map' },
  outExtension: { flag: 'out-extension', shape: 'map' },
  banner: { flag: 'banner', shape: 'map' },
  footer: { flag: 'footer', shape: 'map' },
  alias: { flag: 'alias', shape: 'map' },
};

const CLI_TIMEOUT_MS = 120_000;

/** The flags, or undefined when an option has no flag here (the caller then uses the API). */
export function cliFlags(plan: EsbuildPlan, outdir: string, metafile: string): string[] | undefined {
  const flags = [...plan.entryPoints, '--bundle', '--platform=node', `--outdir=${outdir}`, `--metafile=${metafile}`, '--log-level=warning', '--color=false'];
  if (plan.origin === 'typescript') flags.push(`--outbase=${plan.codeDir}`);
  for (const [option, value] of Object.entries(plan.options) as Array<[keyof PlanOptions, unknown]>) {
    const rule = FLAGS[option];
    if (rule === undefined) return undefined;
    if (value === undefined) continue;
    if (rule.shape === 'value') flags.push(value === true ? `--${rule.flag}` : `--${rule.flag}=${Array.isArray(value) ? value.join(',') : String(value)}`);
    else if (rule.shape === 'list') for (const item of value as string[]) flags.push(`--${rule.flag}:${item}`);
    else for (const [key, item] of Object.entries(value as Record<string, string>)) flags.push(`--${rule.flag}:${key}=${item}`);
  }
  return flags;
}

export interface CliOutcome {
  /** The bundle's graph, relative to the code folder. */
  inputs: string[];
}

/**
 * The build through the CLI: its inputs when it built with nothing to say; undefined when it
 * failed, warned, or cannot run here, so that the caller builds through the API for the messages.
 */
export async function buildWithCli(plan: EsbuildPlan, outdir: string): Promise<CliOutcome | undefined> {
  const binary = esbuildBinary();
  const metafile = `${outdir}.meta.json`;
  const flags = binary === undefined ? undefined : cliFlags(plan, outdir, metafile);
  if (binary === undefined || flags === undefined) return undefined;
  try {
    const quiet = await new Promise<boolean>((resolve) => {
      execFile(binary, flags, { cwd: plan.codeDir, timeout: CLI_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => resolve(error === null && stderr.trim() === ''));
    });
    if (!quiet) return undefined;
    const meta = JSON.parse(readFileSync(metafile, 'utf8')) as { inputs?: Record<string, unknown> };
    return { inputs: Object.keys(meta.inputs ?? {}) };
  } catch {
    return undefined;
  } finally {
    rmSync(metafile, { force: true });
  }
}

let binaryPath: string | null | undefined;

/** esbuild's native binary, as its own JavaScript API finds it (ESBUILD_BINARY_PATH first); undefined when there is none. */
function esbuildBinary(): string | undefined {
  if (binaryPath === undefined) {
    const given = process.env.ESBUILD_BINARY_PATH;
    const installed = resolveOrUndefined('esbuild/bin/esbuild');
    // The one esbuild was told to use, whatever it is; else the installed binary, if it is one.
    binaryPath = given !== undefined && given !== '' ? given : installed !== undefined && isNativeBinary(installed) ? installed : null;
  }
  return binaryPath ?? undefined;
}

function resolveOrUndefined(specifier: string): string | undefined {
  try {
    return createRequire(import.meta.url).resolve(specifier);
  } catch {
    return undefined;
  }
}

/** On some platforms npm keeps bin/esbuild as a Node script that starts the binary: no faster than the API. */
function isNativeBinary(file: string): boolean {
  let fd: number | undefined;
  try {
    if (!statSync(file).isFile()) return false;
    fd = openSync(file, 'r');
    const head = Buffer.alloc(2);
    readSync(fd, head, 0, 2, 0);
    return head.toString('latin1') !== '#!';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
