import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";

/** Stops watching. */
export interface ConfigWatch {
  close(): void;
}

/**
 * Calls `onChange` once a burst of writes to `file` has settled for `debounceMs`. The directory is watched, not the
 * file: editors and Kubernetes ConfigMap updates replace the file by renaming another over it, which ends a watch on
 * the old file's inode.
 */
export function watchConfigFile(file: string, onChange: () => void, debounceMs = 100): ConfigWatch {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
    // A ConfigMap swaps a `..data` symlink, not the file itself; any change in the folder may be ours then.
    if (changed !== null && changed !== name && !changed.startsWith("..")) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
