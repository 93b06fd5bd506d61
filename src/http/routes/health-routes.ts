import type { ModelRegistry } from "../../providers/model-registry.js";
import type { RouteHandler } from "../route-table.js";
import { sendJson } from "../send.js";

/** GET /healthz: the process is up and serving. */
export const healthRoute: RouteHandler = (context) => sendJson(context.response, 200, '{"status":"ok"}');

/** GET /readyz: config loaded and at least one deployment usable; lists every deployment's state. */
export function createReadyRoute(registry: ModelRegistry, isDraining: () => boolean): RouteHandler {
  return (context) => {
    const deployments = registry.list().flatMap((model) =>
      model.deployments.map((deployment) => ({ id: deployment.id, provider: deployment.provider.kind, ...deployment.provider.state() })),
    );
    const ready = !isDraining() && deployments.some((deployment) => deployment.state === "ready");
    sendJson(context.response, ready ? 200 : 503, { status: ready ? "ready" : isDraining() ? "draining" : "not_ready", deployments });
  };
}
