/**
 * A function's Runtime (and the executables it may name) → its launcher: which program each of
 * its sandboxes starts. Node.js and Python run on an interpreter of the declared version when
 * this machine has one (found, never installed behind the user's back), else on what there is,
 * with one warning line saying what was found and how to get the missing one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors/emu-error.js';
import { findNode, listNodes, nodeMajorOf } from './node-finder.js';
import { findPython, listPythons, pythonVersionOf } from './python-finder.js';
import { CUSTOM_RUNTIMES, type RuntimeLauncher } from './runtime-launcher.js';

export interface RuntimeChoice {
  runtime?: string;
  nodeExecutable?: string;
  pythonExecutable?: string;
  runtimeClient?: string;
}

export const SUPPORTED_RUNTIMES = 'nodejs18.x, nodejs20.x, nodejs22.x, nodejs24.x, python3.9 … python3.13, provided.al2023, provided.al2, provided';

export function selectRuntime(choice: RuntimeChoice, handler: string, codeDir: string, onWarning: (message: string) => void, checkExecutable: (file: string) => string): RuntimeLauncher {
  const hostMajor = process.versions.node.split('.')[0] as string;
  const runtime = choice.runtime ?? (choice.pythonExecutable !== undefined ? pythonRuntimeOf(choice.pythonExecutable, checkExecutable) : undefined) ?? pythonByModule(handler, codeDir, onWarning) ?? `nodejs${hostMajor}.x`;
  if (CUSTOM_RUNTIMES.includes(runtime)) {
    if (choice.runtimeClient !== undefined || choice.nodeExecutable !== undefined || choice.pythonExecutable !== undefined) {
      throw usageError(`${runtime} runs the function's own bootstrap: a runtime client or interpreter does not apply`);
    }
    return { kind: 'custom', runtime };
  }
  const python = /^python(3\.\d+)$/.exec(runtime)?.[1];
  if (python !== undefined) return pythonLauncher(runtime, python, choice, onWarning, checkExecutable);
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (major === undefined) throw usageError(`runtime '${runtime}' is not one emu runs: ${SUPPORTED_RUNTIMES}`);
  if (choice.pythonExecutable !== undefined) throw usageError(`--python applies to a Python runtime, not ${runtime}`);
  const runtimeClient = choice.runtimeClient === undefined ? {} : { runtimeClient: path.resolve(choice.runtimeClient) };
  if (choice.nodeExecutable !== undefined) {
    const nodeExecutable = checkExecutable(choice.nodeExecutable);
    return { kind: 'node', runtime, nodeExecutable, nodeMajor: nodeMajorOf(nodeExecutable) ?? major, ...runtimeClient };
  }
  const found = major === hostMajor ? undefined : findNode(major);
  if (major !== hostMajor && found === undefined) {
    const versions = listNodes().map((node) => `${node.version} (${node.source})`);
    onWarning(`${runtime}: no Node.js ${major} found (found: ${versions.join(', ')}); running on this Node ${process.versions.node}. Get one with \`emu runtime install ${runtime}\`, or give --node PATH`);
  }
  return { kind: 'node', runtime, nodeExecutable: found?.executable ?? process.execPath, nodeMajor: found === undefined ? hostMajor : major, ...runtimeClient };
}

function pythonLauncher(runtime: string, version: string, choice: RuntimeChoice, onWarning: (message: string) => void, checkExecutable: (file: string) => string): RuntimeLauncher {
  if (choice.runtimeClient !== undefined || choice.nodeExecutable !== undefined) throw usageError(`${runtime} runs emu's Python bootstrap: a Node.js runtime client or executable does not apply`);
  if (choice.pythonExecutable !== undefined) {
    // A virtual environment's python: its own site-packages come with it.
    const pythonExecutable = checkExecutable(choice.pythonExecutable);
    const actual = pythonVersionOf(pythonExecutable) ?? version;
    if (actual !== version) onWarning(`${runtime}: ${pythonExecutable} is Python ${actual}; running on it`);
    return { kind: 'python', runtime, pythonExecutable, pythonVersion: actual };
  }
  const found = findPython(version);
  if (found !== undefined) return { kind: 'python', runtime, pythonExecutable: found.executable, pythonVersion: version };
  const others = listPythons();
  const fallback = others[0];
  if (fallback === undefined) throw usageError(`${runtime}: no Python 3 found (on PATH or in pyenv's versions); install python${version}, or give --python PATH`);
  onWarning(`${runtime}: no Python ${version} found (found: ${others.map((python) => `${python.version} (${python.source})`).join(', ')}); running on ${fallback.executable}. Install python${version} (pyenv install ${version}), or give --python PATH`);
  return { kind: 'python', runtime, pythonExecutable: fallback.executable, pythonVersion: fallback.version };
}

function pythonRuntimeOf(executable: string, checkExecutable: (file: string) => string): string | undefined {
  const version = pythonVersionOf(checkExecutable(executable));
  return version === undefined ? undefined : `python${version}`;
}

/** A handler whose module exists only as a .py file is Python: the first python3.X on PATH (or pyenv's) runs it. */
function pythonByModule(handler: string, codeDir: string, onWarning: (message: string) => void): string | undefined {
  const name = path.posix.basename(handler);
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const modulePath = path.join(codeDir, path.posix.dirname(handler), name.slice(0, dot).replaceAll('.', '/'));
  if (!existsSync(`${modulePath}.py`)) return undefined;
  if (['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.tsx'].some((extension) => existsSync(`${modulePath}${extension}`))) return undefined;
  const python = listPythons()[0];
  if (python === undefined) return undefined;
  const relative = path.relative(process.cwd(), `${modulePath}.py`);
  onWarning(`${relative.startsWith('..') ? `${modulePath}.py` : relative} is Python: running it as python${python.version} (--runtime pythonX.Y picks the version)`);
  return `python${python.version}`;
}
