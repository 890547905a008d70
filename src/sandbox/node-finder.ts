/**
 * A Node.js of a given major version on this machine, for a function whose Runtime declares it
 * (nodejs22.x runs on Node 22, as on AWS): the Node running emu if it matches, else one in the
 * usual version managers' folders, else one `emu runtime install` put in emu's cache.
 * Only folder listings: no process is started to ask a found binary its version.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareVersions } from './local-files.js';

export interface FoundNode {
  executable: string;
  /** Full version, e.g. 22.11.0. */
  version: string;
  /** Where it was found: "this Node", "nvm", "emu's cache", … */
  source: string;
}

/** emu's own Node.js downloads: <cache>/node/v<version>/bin/node (see `emu runtime install`). */
export function nodeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'emu', 'node');
}

/** Folders holding one folder per version (named v22.1.0 or 22.1.0) and where the binary is inside each. */
function versionFolders(env: NodeJS.ProcessEnv): Array<{ source: string; dir: string; binary: string }> {
  const home = os.homedir();
  const folders = [
    { source: "emu's cache", dir: nodeCacheDir(env), binary: 'bin/node' },
    { source: 'nvm', dir: path.join(env.NVM_DIR ?? path.join(home, '.nvm'), 'versions', 'node'), binary: 'bin/node' },
    { source: 'fnm', dir: path.join(env.FNM_DIR ?? path.join(home, '.local', 'share', 'fnm'), 'node-versions'), binary: 'installation/bin/node' },
    { source: 'n', dir: path.join(env.N_PREFIX ?? '/usr/local', 'n', 'versions', 'node'), binary: 'bin/node' },
    { source: 'volta', dir: path.join(env.VOLTA_HOME ?? path.join(home, '.volta'), 'tools', 'image', 'node'), binary: 'bin/node' },
    { source: 'asdf', dir: path.join(env.ASDF_DATA_DIR ?? path.join(home, '.asdf'), 'installs', 'nodejs'), binary: 'bin/node' },
    { source: 'nodenv', dir: path.join(env.NODENV_ROOT ?? path.join(home, '.nodenv'), 'versions'), binary: 'bin/node' },
  ];
  return folders;
}

/** Every Node.js found, newest first within each source (this Node first). */
export function listNodes(env: NodeJS.ProcessEnv = process.env): FoundNode[] {
  const found: FoundNode[] = [{ executable: process.execPath, version: process.versions.node, source: 'this Node' }];
  for (const { source, dir, binary } of versionFolders(env)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const versions = names
      .map((name) => ({ name, version: /^v?(\d+\.\d+\.\d+)$/.exec(name)?.[1] }))
      .filter((entry): entry is { name: string; version: string } => entry.version !== undefined)
      .sort((a, b) => compareVersions(b.version, a.version));
    for (const { name, version } of versions) {
      const executable = path.join(dir, name, binary);
      if (statSync(executable, { throwIfNoEntry: false })?.isFile() === true) found.push({ executable, version, source });
    }
  }
  return found;
}

/** The first Node.js of that major: this one, else the newest of the first source that has one. */
export function findNode(major: string, env: NodeJS.ProcessEnv = process.env): FoundNode | undefined {
  return listNodes(env).find((node) => node.version.split('.')[0] === major);
}

const majors = new Map<string, string | undefined>();

/** The major version of a Node.js given by path (--node): from a version folder in its path, else asked once. */
export function nodeMajorOf(executable: string): string | undefined {
  if (executable === process.execPath) return process.versions.node.split('.')[0];
  const fromPath = /[/\\]v?(\d+)\.\d+\.\d+[/\\]/.exec(executable)?.[1];
  if (fromPath !== undefined) return fromPath;
  if (!majors.has(executable)) {
    const asked = spawnSync(executable, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 10_000, env: {} });
    majors.set(executable, /^(\d+)\./.exec(asked.stdout ?? '')?.[1]);
  }
  return majors.get(executable);
}
