import { describe, expect, it } from "vitest";
import { createDeploymentHealth } from "../../src/routing/deployment-health.js";
import type { DeploymentState } from "../../src/routing/deployment-state.js";
import { createHealthCheck, type Fetch } from "../../src/routing/health-check.js";
import { healthCheckSchema } from "../../src/routing/routing-config-schema.js";

/** A response whose body fails to cancel, as one whose socket is already gone. */
function brokenBody(status: number): Response {
  const body = new ReadableStream<Uint8Array>({
    cancel() {
      throw new Error("socket gone");
    },
  });
  return new Response(body, { status });
}

describe("health-check probe", () => {
  it("survives bodies that fail to cancel, on the probe and on the metrics scrape", async () => {
    const state = { deployment: { id: "m/0", upstream: { baseUrl: "http://127.0.0.1:9/v1", headers: {} } }, inFlight: 0 } as unknown as DeploymentState;
    const health = createDeploymentHealth();
    const fetch: Fetch = async (url) => brokenBody(String(url).endsWith("/metrics") ? 500 : 200);
    const check = createHealthCheck({ state, health, fetch, config: healthCheckSchema.parse({ metrics_path: "/metrics", unhealthy_after: 1 }) });
    await expect(check.probe()).resolves.toBeUndefined();
    expect(health).toEqual({ healthy: true, externalLoad: 0 });
    const failing = createHealthCheck({ state, health, fetch: async () => brokenBody(503), config: healthCheckSchema.parse({ unhealthy_after: 1 }) });
    await expect(failing.probe()).resolves.toBeUndefined();
    expect(health.healthy).toBe(false);
  });
});
