/**
 * Calls back when a file under a folder changes, once per burst (editors write several events
 * per save). One watcher per folder, not Node's recursive watch: on Linux that one loses a
 * file an editor saves by renaming a new copy over it (vim, JetBrains' safe write), and it
 * walks node_modules. Version control, dependencies and build output are not the code.
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

const IGNORED = new Set(['.git', 'node_modules', '.cache', '.aws-sam']);

export interface WatchFilesOptions {
  /** How long a burst must be quiet before the call. */
  quietMs: number;
  /** Subfolders too (default), except the ignored ones. */
  recursive?: boolean;
  /** Only these names count (a folder's other files are not watched for). */
  only?: ReadonlySet<string>;
}

export function watchFiles(folder: string, options: WatchFilesOptions, onChange: (file: string) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watchers = new Map<string, FSWatcher>();
  const changed = (file: string): void => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange(file), options.quietMs);
  };
  const add = (dir: string): void => {
    if (watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (event, name) => {
        if (name === null) return;
        const full = path.join(dir, String(name));
        if (IGNORED.has(String(name))) return;
        if (options.only !== undefined && !options.only.has(String(name))) return;
        // A folder created (or moved in) is watched from now on.
        if (options.recursive !== false && event === 'rename' && isDirectory(full)) addTree(full);
        changed(path.relative(folder, full));
      });
    } catch {
      return; // gone already, or not readable: nothing to watch there
    }
    watcher.on('error', () => {
      // A folder removed while watched.
      watcher.close();
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
  };
  const addTree = (dir: string): void => {
    add(dir);
    if (options.recursive === false) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isDirectory() && !IGNORED.has(entry.name)) addTree(path.join(dir, entry.name));
  };
  addTree(folder);
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };
}

function isDirectory(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
