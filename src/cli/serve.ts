import { parseArgs } from "node:util";
import { ConfigError, loadConfigFile } from "../config/load-config.js";
import type { GatewayConfig } from "../config/schema.js";
import { startGateway, type RunningGateway } from "../main.js";
import { createLogger } from "../telemetry/logger.js";
import { loadQuickStartConfig } from "./quick-start-config.js";
import { serveUntilSignal } from "./serve-until-signal.js";
import { watchConfigFile } from "../config/watch-config-file.js";

const usage = "usage: gantry serve [--config FILE] [--host HOST] [--port PORT]   (or GANTRY_CONFIG=FILE; neither = the quick-start defaults)";

/** `gantry serve`: load config (or the quick-start defaults), start the gateway, reload on SIGHUP or a file change, drain on SIGTERM/SIGINT. */
export async function serve(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: "string", short: "c" }, host: { type: "string" }, port: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const file = values.config ?? process.env["GANTRY_CONFIG"];
  const quickStart = file === undefined || file === "";
  let gateway: RunningGateway;
  try {
    const loaded = quickStart ? loadQuickStartConfig() : { file, config: loadConfigFile(file) };
    const config = withOverrides(loaded.config, values.host, values.port);
    const logger = createLogger(config.logging.level);
    if (quickStart) logger.info({ config: loaded.file }, "no --config or GANTRY_CONFIG given: serving the quick-start defaults (the demo model and the Gantry FAQ rules)");
    // startGateway checks the bind again: --host may have moved it off loopback after the config was validated.
    gateway = await startGateway(config, { logger });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (quickStart) return serveUntilSignal(gateway);
  const configFile = file;
  // The outcome is logged and counted (gantry_config_reload_total), never fatal: a bad file leaves the old config serving.
  const reload = (): void => void gateway.reload(() => withOverrides(loadConfigFile(configFile), values.host, values.port));
  // Edits, SIGHUP (`kill -HUP`) and ConfigMap updates all reload.
  const watcher = watchConfigFile(configFile, reload, { onError: (error) => gateway.logger.error({ err: error }, "watching the config file failed: reload with SIGHUP") });
  process.on("SIGHUP", reload);
  try {
    return await serveUntilSignal(gateway);
  } finally {
    watcher.close();
    process.off("SIGHUP", reload);
  }
}

function withOverrides(config: GatewayConfig, host: string | undefined, port: string | undefined): GatewayConfig {
  if (host === undefined && port === undefined) return config;
  const portNumber = port === undefined ? config.server.port : Number(port);
  if (!Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65_535) throw new ConfigError("--port", [{ path: "--port", message: `not a port: ${port ?? ""}` }]);
  return { ...config, server: { ...config.server, host: host ?? config.server.host, port: portNumber } };
}
