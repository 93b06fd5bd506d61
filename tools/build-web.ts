import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import react from "@vitejs/plugin-react";
import { build, type InlineConfig } from "vite";

/** The dashboard's sources (web/). */
export const webRoot = fileURLToPath(new URL("../web/", import.meta.url));

/** The one Vite config for the dashboard: served under /ui/, no CDN, everything bundled. */
export function webBuildConfig(outDir: string): InlineConfig {
  return {
    root: webRoot,
    base: "/ui/",
    configFile: false,
    logLevel: "warn",
    plugins: [react()],
    build: { outDir, emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1024 },
  };
}

/** Builds the dashboard into `outDir` (the package's is dist/web, which the gateway serves at /ui), relative to the working directory. */
export async function buildWeb(outDir: string): Promise<void> {
  // Vite resolves a relative outDir against its root (web/), not the working directory.
  await build(webBuildConfig(resolve(outDir)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await buildWeb(process.argv[2] ?? "dist/web");
