/**
 * Where builds are kept, and whether one is still good. A function's folder is named by a hash
 * of everything that configures its build (esbuild's version, the code folder's absolute path,
 * handler, entry points, options), so two checkouts never share one; inside, each build is named
 * by a hash of its inputs' contents, and current.json lists those inputs. A build is reused only
 * when every listed file still hashes the same: reading them is all a cache hit costs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { EsbuildPlan } from './build-plan.js';

/** Bumped when the layout or the meaning of a cached build changes. */
const CACHE_FORMAT = 1;
/** Builds kept per function besides the current one: a warm sandbox may still read an older one's source map. */
const OLDER_BUILDS_KEPT = 1;

export interface CachedBuild {
  /** The artifact folder: the function's codeDir once built. */
  artifactDir: string;
  handler: string;
  warnings: string[];
}

interface Manifest extends Omit<CachedBuild, 'artifactDir'> {
  buildId: string;
  /** Absolute path → sha256 of its contents, or null for a file whose absence matters (a tsconfig.json not there). */
  inputs: Record<string, string | null>;
}

/** `node_modules/.cache/emu` in the code folder's nearest package root (where a package.json and node_modules are), else the OS temp folder. */
export function defaultCacheRoot(codeDir: string): string {
  for (let dir = codeDir; ; dir = path.dirname(dir)) {
    if (isFile(path.join(dir, 'package.json')) && isDirectory(path.join(dir, 'node_modules'))) return path.join(dir, 'node_modules', '.cache', 'emu');
    if (path.dirname(dir) === dir) return path.join(os.tmpdir(), `emu-build-cache-${os.userInfo().uid}`);
  }
}

export function functionCacheDir(plan: EsbuildPlan, cacheRoot: string): string {
  const { codeDir, handler, origin, entryPoints, options } = plan;
  const key = sha256(JSON.stringify({ CACHE_FORMAT, esbuild: esbuildVersion(), codeDir, handler, origin, entryPoints, options })).slice(0, 20);
  const name = plan.functionName.replace(/[^\w.-]/g, '_').slice(0, 60);
  return path.join(cacheRoot, `${name}-${key}`);
}

/** The current build, if every one of its inputs is unchanged. */
export function readCachedBuild(functionDir: string): CachedBuild | undefined {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(functionDir, 'current.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  const artifactDir = path.join(functionDir, manifest.buildId);
  if (!isDirectory(artifactDir)) return undefined;
  for (const [file, hash] of Object.entries(manifest.inputs)) if (hashFile(file) !== hash) return undefined;
  return { artifactDir, handler: manifest.handler, warnings: manifest.warnings };
}

/**
 * Packages left external (External, `./node_modules/*`) resolve from the artifact as from the code: under the
 * default cache root Node finds the project's node_modules above the artifact; elsewhere (EMU_CACHE_DIR, the
 * temp folder) the artifact gets a node_modules link to the one nearest the code, as sam build would install
 * them into its artifact. A monorepo's higher node_modules folders are not linked.
 */
export function linkPackages(artifactDir: string, codeDir: string): void {
  for (let dir = codeDir; ; dir = path.dirname(dir)) {
    const packages = path.join(dir, 'node_modules');
    if (isDirectory(packages)) {
      if (!path.relative(packages, artifactDir).startsWith('..')) return; // already above the artifact
      symlinkSync(packages, path.join(artifactDir, 'node_modules'), 'dir');
      return;
    }
    if (path.dirname(dir) === dir) return;
  }
}

/** A fresh folder for esbuild to write into, beside the builds, so a rename makes it one. */
export function scratchDir(functionDir: string): string {
  const dir = path.join(functionDir, `tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Makes a finished scratch folder the current build. Two processes building the same inputs end with one folder, either's. */
export function storeBuild(functionDir: string, scratch: string, inputFiles: string[], result: Omit<CachedBuild, 'artifactDir'>): CachedBuild {
  const inputs = Object.fromEntries([...new Set(inputFiles)].sort().map((file) => [file, hashFile(file)]));
  const buildId = `b-${sha256(JSON.stringify(inputs)).slice(0, 20)}`;
  const artifactDir = path.join(functionDir, buildId);
  try {
    renameSync(scratch, artifactDir);
  } catch {
    rmSync(scratch, { recursive: true, force: true }); // the same build is already there
  }
  const manifest: Manifest = { buildId, inputs, ...result };
  const temporary = path.join(functionDir, `current.json.${process.pid}`);
  writeFileSync(temporary, JSON.stringify(manifest));
  renameSync(temporary, path.join(functionDir, 'current.json'));
  pruneBuilds(functionDir, buildId);
  return { artifactDir, ...result };
}

function pruneBuilds(functionDir: string, currentId: string): void {
  const older = readdirSync(functionDir)
    .filter((name) => name.startsWith('b-') && name !== currentId)
    .map((name) => ({ name, mtimeMs: statSync(path.join(functionDir, name)).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { name } of older.slice(OLDER_BUILDS_KEPT)) rmSync(path.join(functionDir, name), { recursive: true, force: true });
}

let cachedVersion: string | undefined;

/** Read from its package.json: importing esbuild itself would cost every cache hit its load time. */
export function esbuildVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('esbuild/package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

function hashFile(file: string): string | null {
  try {
    return sha256(readFileSync(file));
  } catch {
    return null;
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

function isDirectory(dir: string): boolean {
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
