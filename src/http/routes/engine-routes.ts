import type { RouteHandler } from "../route-table.js";
import { sendJson } from "../send.js";
import type { Provider } from "../../pipeline/provider.js";
import type { EngineMetrics } from "../../engine/engine-metrics.js";

/** The engine server's routes beyond the OpenAI API: `GET /health` and `GET /metrics` (Prometheus text). */
export function createEngineRoutes(metrics: EngineMetrics, providers: ReadonlyMap<string, Provider>): Map<string, Partial<Record<string, RouteHandler>>> {
  // 200 only once every model is loaded, so a Kubernetes readiness probe on /health holds traffic back while loading.
  const health: RouteHandler = (context) => {
    const states = [...providers].map(([model, provider]) => ({ model, ...provider.state() }));
    const ready = states.length > 0 && states.every((state) => state.state === "ready");
    sendJson(context.response, ready ? 200 : 503, { status: ready ? "ok" : "unavailable", models: states });
  };
  const scrape: RouteHandler = async (context) => {
    const text = await metrics.registry.metrics();
    context.response.writeHead(200, { "content-type": metrics.registry.contentType, "content-length": Buffer.byteLength(text) });
    context.response.end(text);
  };
  return new Map([
    ["/health", { GET: health }],
    ["/metrics", { GET: scrape }],
  ]);
}
