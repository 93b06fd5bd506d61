import { z } from "zod";
import type { AlertStore } from "../../alerts/alert-store.js";
import type { MethodHandlers } from "../route-table.js";
import { sendJson } from "../send.js";
import { decodeCursor, encodeCursor, parseQuery } from "./admin-requests-routes.js";

const querySchema = z.strictObject({
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** GET /admin/alerts: every alert's current state (firing ones first) and the notification history, newest first, paginated. */
export function createAdminAlertsRoutes(store: Pick<AlertStore, "states" | "history">): Map<string, MethodHandlers> {
  return new Map<string, MethodHandlers>([
    [
      "/admin/alerts",
      {
        GET: async (context) => {
          const query = parseQuery(context, querySchema);
          const [states, history] = await Promise.all([
            store.states(),
            store.history({ limit: query.limit, ...(query.cursor === undefined ? {} : { before: decodeCursor(query.cursor) }) }),
          ]);
          const last = history.at(-1);
          sendJson(context.response, 200, {
            object: "alerts",
            firing: states.filter((state) => state.status === "firing"),
            states,
            history: { data: history, next_cursor: history.length === query.limit && last !== undefined ? encodeCursor(last.time, last.id) : null },
          });
        },
      },
    ],
  ]);
}
