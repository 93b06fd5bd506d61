import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * Starts a worker thread from `<name>.js` next to `base` (an `import.meta.url`), or from `<name>.ts` through tsx when
 * running from source (tests, tsx): a worker does not inherit its parent's loaders, so it registers tsx itself first.
 */
export function spawnModuleWorker(base: string, name: string, workerData: unknown, threadName: string): Worker {
  const compiled = new URL(`./${name}.js`, base);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled, { workerData, name: threadName });
  const source = new URL(`./${name}.ts`, base).href;
  const tsxApi = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/esm/api/index.mjs")).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true, workerData, name: threadName });
}
