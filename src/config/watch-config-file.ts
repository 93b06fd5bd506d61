import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";

/** Stops watching. */
export interface ConfigWatch {
  close(): void;
}

export interface ConfigWatchOptions {
  /** Quiet time after the last event before `onChange` runs: one call per burst of writes. */
  debounceMs?: number;
  /** The watch failed (its directory went away): it has stopped, and SIGHUP is the way left to reload. */
  onError?: (error: Error) => void;
}

/**
 * Calls `onChange` once a burst of writes to `file` has settled. The directory is watched, not the file: editors and
 * Kubernetes ConfigMap updates replace the file by renaming another over it, which ends a watch on the old file's inode.
 */
export function watchConfigFile(file: string, onChange: () => void, options: ConfigWatchOptions = {}): ConfigWatch {
  const name = basename(file);
  const debounceMs = options.debounceMs ?? 100;
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
    // A ConfigMap swaps a `..data` symlink, not the file itself; any change in the folder may be ours then.
    if (changed !== null && changed !== name && !changed.startsWith("..")) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.on("error", (error) => {
    clearTimeout(timer);
    watcher.close();
    options.onError?.(error);
  });
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
