import pino from "pino";
import { loadConfigFile } from "../config/load-config.js";
import { createCachedClient } from "../evals/cached-client.js";
import type { EvalStore } from "../evals/eval-store.js";
import { createGatewayClient, type EvalClient } from "../evals/gateway-client.js";
import { startGateway, type RunningGateway } from "../main.js";

/** Where eval answers come from: a gateway started here from a config, or a running one at a base URL. */
export interface EvalGatewayOptions {
  readonly config?: string | undefined;
  readonly baseUrl?: string | undefined;
  readonly apiKey?: string | undefined;
  /** Bypass the eval answer cache. */
  readonly noCache?: boolean;
  readonly store: EvalStore;
}

/** Waits until no deployment is still loading (embedded models load in the background), at most two minutes, so no answer is a 503. */
async function waitUntilLoaded(gateway: RunningGateway): Promise<void> {
  const loading = (): boolean => gateway.registry.list().some((model) => model.deployments.some((deployment) => deployment.provider.state().state === "loading"));
  for (let tries = 0; tries < 1200 && loading(); tries++) await new Promise((resolve) => setTimeout(resolve, 100));
  if (loading()) throw new Error("the in-process gateway's models did not load within 120 s");
}

/**
 * The client an eval run (or the gate's candidate run) calls: with `config`, a full gateway started in this process
 * on a loopback port (the composition root's startGateway), else the gateway at `baseUrl`; wrapped by the answer
 * cache unless `noCache`. `close` stops the in-process gateway.
 */
export async function openEvalGateway(options: EvalGatewayOptions): Promise<{ client: EvalClient; close(): Promise<void> }> {
  let gateway: RunningGateway | undefined;
  let baseUrl = options.baseUrl ?? "";
  if (options.config !== undefined) {
    const config = loadConfigFile(options.config);
    gateway = await startGateway({ ...config, server: { ...config.server, host: "127.0.0.1", port: 0 } }, { logger: pino({ level: "warn" }, pino.destination(2)) });
    baseUrl = `${gateway.url}/v1`;
    try {
      await waitUntilLoaded(gateway);
    } catch (error) {
      await gateway.close();
      throw error;
    }
  }
  const direct = createGatewayClient({ baseUrl, apiKey: options.apiKey ?? process.env["GANTRY_API_KEY"] });
  return { client: options.noCache === true ? direct : createCachedClient(direct, options.store), close: async () => gateway?.close() };
}
