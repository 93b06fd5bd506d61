import { parseArgs } from "node:util";
import { ConfigError, loadConfigFile } from "../config/load-config.js";
import type { GatewayConfig } from "../config/schema.js";
import { startGateway, type RunningGateway } from "../main.js";
import { serveUntilSignal } from "./serve-until-signal.js";

const usage = "usage: gantry serve --config FILE [--host HOST] [--port PORT]   (or GANTRY_CONFIG=FILE)";

/** `gantry serve`: load config, start the gateway, drain on SIGTERM/SIGINT. */
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
  if (file === undefined || file === "") {
    process.stderr.write(`gantry serve: no config file given\n${usage}\n`);
    return 2;
  }
  let gateway: RunningGateway;
  try {
    // startGateway checks the bind again: --host may have moved it off loopback after the config was validated.
    gateway = await startGateway(withOverrides(loadConfigFile(file), values.host, values.port));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  return serveUntilSignal(gateway);
}

function withOverrides(config: GatewayConfig, host: string | undefined, port: string | undefined): GatewayConfig {
  if (host === undefined && port === undefined) return config;
  const portNumber = port === undefined ? config.server.port : Number(port);
  if (!Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65_535) throw new ConfigError("--port", [{ path: "--port", message: `not a port: ${port ?? ""}` }]);
  return { ...config, server: { ...config.server, host: host ?? config.server.host, port: portNumber } };
}
