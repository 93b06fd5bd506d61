import { GatewayError } from "../../errors/gateway-error.js";
import { clipClientText } from "../../errors/clip-client-text.js";
import type { SliSource, SloDefinition } from "../../slo/sli-source.js";
import { computeSloStatus } from "../../slo/slo-status.js";
import type { MethodHandlers } from "../route-table.js";
import { sendJson } from "../send.js";

export interface AdminSloDeps {
  readonly definitions: readonly SloDefinition[];
  readonly source: SliSource;
  /** Writes this replica's pending rollups first, so the answer includes its latest requests. */
  flush(): Promise<void>;
  now(): number;
}

/** GET /admin/slo (every SLO) and /admin/slo/:name: SLI, error budget and burn rates over the standard windows. */
export function createAdminSloRoutes(deps: AdminSloDeps): Map<string, MethodHandlers> {
  const status = async (definitions: readonly SloDefinition[]): Promise<unknown[]> => {
    await deps.flush();
    const now = deps.now();
    return Promise.all(definitions.map((definition) => computeSloStatus(deps.source, definition, now)));
  };
  return new Map<string, MethodHandlers>([
    ["/admin/slo", { GET: async (context) => sendJson(context.response, 200, { object: "list", data: await status(deps.definitions) }) }],
    [
      "/admin/slo/:name",
      {
        GET: async (context) => {
          const name = context.params["name"] ?? "";
          const definition = deps.definitions.find((item) => item.name === name);
          if (definition === undefined) throw new GatewayError("not_found", { message: `No SLO is named "${clipClientText(name)}".` });
          const [one] = await status([definition]);
          sendJson(context.response, 200, one);
        },
      },
    ],
  ]);
}
