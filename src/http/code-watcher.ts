/** Calls back (debounced) when anything under a folder changes; editors write several events per save. */
import { watch, type FSWatcher } from 'node:fs';

const QUIET_MS = 150;

export function watchCode(folder: string, onChange: (file: string) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(folder, { recursive: true }, (_event, file) => {
      const name = file === null ? '' : String(file);
      if (name.split(/[\\/]/).includes('.git')) return;
      clearTimeout(timer);
      timer = setTimeout(() => onChange(name), QUIET_MS);
    });
  } catch {
    return () => {};
  }
  watcher.on('error', () => {}); // a folder removed while watched: nothing more to watch
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}
