/**
 * `--layer DIR`: a local layer, used in place (never copied or unpacked per
 * invocation). On AWS a layer's zip is extracted into /opt, and a Node layer
 * keeps its packages in nodejs/node_modules or nodejs/nodeNN/node_modules;
 * the sandbox puts those on NODE_PATH in AWS's order (see sandbox/environment.ts).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors/emu-error.js';

/** AWS's limit on layers per function. */
export const MAX_LAYERS = 5;

export interface CheckedLayers {
  /** Absolute folders, in the order given (a later layer wins, as on AWS). */
  folders: string[];
  warnings: string[];
}

export function checkLayerFolders(folders: readonly string[]): CheckedLayers {
  const checked = folders.map(checkLayerFolder);
  const warnings = checked.length > MAX_LAYERS ? [`${checked.length} layers given; AWS allows at most ${MAX_LAYERS} per function`] : [];
  return { folders: checked, warnings };
}

function checkLayerFolder(folder: string): string {
  const resolved = path.resolve(folder);
  const stats = statSync(resolved, { throwIfNoEntry: false });
  if (stats === undefined) throw usageError(`layer folder not found: ${resolved}`);
  if (!stats.isDirectory()) {
    const hint = resolved.endsWith('.zip') ? ': unzip it and pass the folder, emu uses layers in place' : '';
    throw usageError(`--layer expects a folder, got the file ${resolved}${hint}`);
  }
  if (statSync(path.join(resolved, 'nodejs'), { throwIfNoEntry: false })?.isDirectory() !== true) {
    throw usageError(`layer folder ${resolved} has no nodejs/ folder: a Node.js layer keeps its packages in nodejs/node_modules`);
  }
  return resolved;
}
