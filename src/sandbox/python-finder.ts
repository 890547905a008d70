/**
 * A Python interpreter of a given minor version (python3.12 runs on 3.12, as on AWS): a
 * `python3.X` on PATH, else pyenv's install of the newest 3.X. Version-manager shims are
 * skipped: they are scripts that start pyenv itself on every cold start.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareVersions, isExecutableFile } from './local-files.js';

export interface FoundPython {
  executable: string;
  /** "3.12". */
  version: string;
  source: string;
}

function pathDirs(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? '').split(':').filter((dir) => dir !== '' && !dir.split(path.sep).includes('shims'));
}

/** Every interpreter found: python3.X on PATH, then pyenv's versions, newest first. */
export function listPythons(env: NodeJS.ProcessEnv = process.env): FoundPython[] {
  const found: FoundPython[] = [];
  const seen = new Set<string>();
  for (const dir of pathDirs(env)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const version = /^python(3\.\d+)$/.exec(name)?.[1];
      const executable = path.join(dir, name);
      if (version === undefined || seen.has(version) || !isExecutableFile(executable)) continue;
      seen.add(version);
      found.push({ executable, version, source: 'PATH' });
    }
  }
  const pyenv = path.join(env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv'), 'versions');
  let installs: string[] = [];
  try {
    installs = readdirSync(pyenv).filter((name) => /^3\.\d+\.\d+$/.test(name));
  } catch {
    // No pyenv.
  }
  installs.sort((a, b) => compareVersions(b, a));
  for (const install of installs) {
    const version = install.split('.').slice(0, 2).join('.');
    const executable = path.join(pyenv, install, 'bin', `python${version}`);
    if (found.some((python) => python.version === version && python.source === 'pyenv') || !isExecutableFile(executable)) continue;
    found.push({ executable, version, source: 'pyenv' });
  }
  return found;
}

/** The first interpreter of that version (PATH before pyenv). */
export function findPython(version: string, env: NodeJS.ProcessEnv = process.env): FoundPython | undefined {
  return listPythons(env).find((python) => python.version === version);
}

const versions = new Map<string, string | undefined>();

/** The version of an interpreter given by path (--python, a virtual environment's): asked once. */
export function pythonVersionOf(executable: string): string | undefined {
  const fromName = /python(3\.\d+)$/.exec(executable)?.[1];
  if (fromName !== undefined) return fromName;
  if (!versions.has(executable)) {
    const asked = spawnSync(executable, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8', timeout: 10_000 });
    versions.set(executable, /^(3\.\d+)\s*$/.exec(asked.stdout ?? '')?.[1]);
  }
  return versions.get(executable);
}
