import { GatewayError } from "../../errors/gateway-error.js";
import { validateRequest } from "../../protocol/validate-request.js";
import type { CanaryAnalyzer } from "../../registry/canary-analysis.js";
import type { CanaryStore } from "../../registry/canary-store.js";
import { canaryConfigSchema } from "../../registry/progressive-config-schema.js";
import type { ShadowStore } from "../../registry/shadow-store.js";
import type { ShadowTraffic } from "../../registry/shadow-traffic.js";
import type { RequestContext } from "../../pipeline/request-context.js";
import { readJsonBody } from "../read-json-body.js";
import type { MethodHandlers } from "../route-table.js";
import { sendJson } from "../send.js";
import { actorOf } from "./admin-keys.js";

export interface ProgressiveRoutesDeps {
  readonly shadow: { readonly store: ShadowStore; readonly traffic: ShadowTraffic };
  readonly canary: { readonly store: CanaryStore; readonly analyzer: CanaryAnalyzer };
}

const name = (context: RequestContext): string => context.params["name"] ?? "";

/** `/admin/models/:name/shadow` (comparisons and agreement) and `/admin/models/:name/canary` (start, read, abort). */
export function createAdminProgressiveRoutes(deps: ProgressiveRoutesDeps): Map<string, MethodHandlers> {
  return new Map<string, MethodHandlers>([
    [
      "/admin/models/:name/shadow",
      {
        GET: async (context) => {
          const model = name(context);
          const url = new URL(context.request.url ?? "/", "http://gantry");
          const limit = Math.min(500, Math.max(1, Number(url.searchParams.get("limit") ?? 50) || 50));
          const version = url.searchParams.get("version");
          const data = await deps.shadow.store.list(model, limit);
          const candidate = version ?? data[0]?.shadow_version;
          const agreement = candidate === undefined ? { rate: null, comparisons: 0, failed: 0 } : await deps.shadow.store.agreement(model, candidate);
          sendJson(context.response, 200, { model, shadow_version: candidate ?? null, agreement_rate: agreement.rate, comparisons: agreement.comparisons, failed: agreement.failed, counters: deps.shadow.traffic.counters(model), data });
        },
      },
    ],
    [
      "/admin/models/:name/canary",
      {
        GET: async (context) => {
          const run = await deps.canary.store.get(name(context));
          if (run === undefined) throw new GatewayError("model_version_not_found", { message: `The model "${name(context)}" has had no canary.` });
          sendJson(context.response, 200, run);
        },
        POST: async (context) => {
          const config = validateRequest(canaryConfigSchema, await readJsonBody(context.request, 64 * 1024));
          sendJson(context.response, 201, await deps.canary.analyzer.start(name(context), config, actorOf(context)));
        },
        DELETE: async (context) => sendJson(context.response, 200, await deps.canary.analyzer.abort(name(context), actorOf(context))),
      },
    ],
  ]);
}
