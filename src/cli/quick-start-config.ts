import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfigFile } from "../config/load-config.js";
import type { GatewayConfig } from "../config/schema.js";

/** The quick-start config shipped in the package: the demo model with the Gantry FAQ rules as fast path and fallback. */
export const quickStartConfigPath = "examples/gantry.yaml";

/**
 * Loads the quick-start config with its relative paths (rules files, the demo model) resolved against the package,
 * not the working directory, so `gantry serve` with no config works from anywhere.
 */
export function loadQuickStartConfig(env: Readonly<Record<string, string | undefined>> = process.env): { file: string; config: GatewayConfig } {
  const root = packageRoot();
  const file = join(root, quickStartConfigPath);
  const config = loadConfigFile(file, env);
  const fromRoot = (path: string): string => (isAbsolute(path) ? path : resolve(root, path));
  const models = config.models.map((model) => ({
    ...model,
    ...(model.fast_path === undefined ? {} : { fast_path: { ...model.fast_path, rules_file: fromRoot(model.fast_path.rules_file) } }),
    deployments: model.deployments.map((deployment) => {
      if (deployment.provider === "rules") return { ...deployment, rules_file: fromRoot(deployment.rules_file) };
      if (deployment.provider === "llama-cpp" && !/^(hf:|https?:)/.test(deployment.model)) return { ...deployment, model: fromRoot(deployment.model) };
      return deployment;
    }),
  }));
  return { file, config: { ...config, models } };
}

/** The directory holding the package's package.json: above src/cli in a checkout, above dist/src/cli when installed. */
function packageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, "package.json"))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error("cannot find the gantry package directory");
    directory = parent;
  }
  return directory;
}
