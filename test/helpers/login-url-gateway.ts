import { Writable } from "node:stream";
import { pino } from "pino";
import { parseConfig } from "../../src/config/load-config.js";
import { startGateway, type RunningGateway } from "../../src/main.js";
import { testDatabase } from "./gateway.js";

/** Starts a loopback gateway from YAML and returns it with the dashboard login URL its startup log printed, if any. */
export async function startGatewayReadingLoginUrl(yaml: string): Promise<{ gateway: RunningGateway; loginUrl: string | undefined }> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  const config = parseConfig(yaml, process.env, "test");
  const gateway = await startGateway({ ...config, database: testDatabase(yaml, config), server: { ...config.server, port: 0, host: "127.0.0.1", warm_up_requests: 0 } }, { logger: pino({ level: "info" }, sink) });
  const logged = lines.map((line) => JSON.parse(line) as { login_url?: string }).find((line) => line.login_url !== undefined);
  return { gateway, loginUrl: logged?.login_url };
}
