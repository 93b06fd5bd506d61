import type { Registry } from "prom-client";
import type { RouteHandler } from "../route-table.js";

/** GET /metrics: the gateway's Prometheus registry in text format. */
export function createMetricsRoute(registry: Registry): RouteHandler {
  return async (context) => {
    const text = await registry.metrics();
    context.response.writeHead(200, { "content-type": registry.contentType, "content-length": Buffer.byteLength(text) });
    context.response.end(text);
  };
}
