import { isAvailable } from "../../routing/deployment-state.js";
import type { RoutingTable } from "../../routing/routing-table.js";
import type { RouteHandler } from "../route-table.js";
import { sendJson } from "../send.js";

/**
 * GET /admin/deployments: every model's deployments as routing sees them now: provider state, active health,
 * breaker, passive ejection, the gateway's in-flight attempts, the load the upstream reported from elsewhere, and
 * the peak-EWMA latency. Read straight from routing's memory (this replica's view).
 */
export function createAdminDeploymentsRoute(routing: RoutingTable): RouteHandler {
  return (context) => {
    const data = routing.list().map((router) => ({
      model: router.model.name,
      fallbacks: router.fallbacks,
      fast_path: router.fastPath !== undefined,
      health_checks: router.healthCheck !== undefined,
      deployments: router.states.map((state) => {
        const provider = state.deployment.provider.state();
        return {
          id: state.deployment.id,
          provider: state.deployment.provider.kind,
          upstream_model: state.deployment.upstreamModel,
          weight: state.deployment.weight,
          state: provider.state,
          ...(provider.state === "failed" ? { reason: provider.reason } : {}),
          available: isAvailable(state),
          healthy: state.health === undefined ? null : state.health.healthy,
          breaker: state.breaker.state(),
          ejected: state.ejection.ejected(),
          in_flight: state.inFlight,
          external_load: state.health?.externalLoad ?? 0,
          latency_ewma_ms: Math.round(state.latency.value() * 100) / 100,
        };
      }),
    }));
    sendJson(context.response, 200, { object: "list", data });
  };
}
