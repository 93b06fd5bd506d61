import { z } from "zod";
import { GatewayError } from "../../errors/gateway-error.js";
import type { DriftDetector } from "../../drift/drift-detector.js";
import type { MethodHandlers } from "../route-table.js";
import { sendJson } from "../send.js";
import { parseQuery, parseTime } from "./admin-requests-routes.js";

const querySchema = z.strictObject({
  model: z.string().min(1).max(200).optional(),
  version: z.string().max(200).optional(),
  /** The current window; by default the configured `drift.current.window` up to now. */
  from: z.string().optional(),
  to: z.string().optional(),
});

const maxWindowMs = 366 * 24 * 3600 * 1000;

/** GET /admin/drift: per model version and feature, the test, its statistic, threshold and verdict (docs/drift.md). */
export function createAdminDriftRoutes(detector: Pick<DriftDetector, "reports" | "windows">): Map<string, MethodHandlers> {
  return new Map<string, MethodHandlers>([
    [
      "/admin/drift",
      {
        GET: async (context) => {
          const query = parseQuery(context, querySchema);
          if (query.version !== undefined && query.model === undefined) throw new GatewayError("invalid_request", { message: "version: give the model too", param: "version" });
          const window = {
            ...(query.model === undefined ? {} : { model: query.model }),
            ...(query.version === undefined ? {} : { version: query.version }),
            ...(query.from === undefined ? {} : { from: parseTime(query.from, "from") }),
            ...(query.to === undefined ? {} : { to: parseTime(query.to, "to") }),
          };
          const { current, reference } = detector.windows(window);
          if (current.from >= current.to || current.to - current.from > maxWindowMs) throw new GatewayError("invalid_request", { message: "The window must have from < to and span at most 366 days.", param: "from" });
          sendJson(context.response, 200, { object: "drift", current, reference, data: await detector.reports(window) });
        },
      },
    ],
  ]);
}
