import type { AuditLog } from "../../auth/audit-log.js";
import { describeFault, type FaultBoard } from "../../drills/fault-board.js";
import { faultSpecSchema } from "../../drills/fault-spec.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { validateRequest } from "../../protocol/validate-request.js";
import { readJsonBody } from "../read-json-body.js";
import type { MethodHandlers } from "../route-table.js";
import { sendJson } from "../send.js";
import { actorOf } from "./admin-keys.js";

export interface AdminFaultRoutesDeps {
  faults: FaultBoard;
  audit: AuditLog;
  now: () => number;
}

const faultBodyLimitBytes = 16 * 1024;

/** The admin API for fault drills: inject, list and clear faults in live traffic; every change is audited. */
export function createAdminFaultRoutes(deps: AdminFaultRoutesDeps): Map<string, MethodHandlers> {
  return new Map<string, MethodHandlers>([
    [
      "/admin/faults",
      {
        POST: async (context) => {
          const spec = validateRequest(faultSpecSchema, await readJsonBody(context.request, faultBodyLimitBytes));
          const fault = deps.faults.inject(spec);
          const view = describeFault(fault);
          await deps.audit.append({ at: new Date(deps.now()).toISOString(), actor: actorOf(context), action: "fault.inject", target: fault.id, details: view });
          sendJson(context.response, 201, view);
        },
        GET: (context) => {
          sendJson(context.response, 200, { object: "list", data: deps.faults.list().map(describeFault) });
        },
      },
    ],
    [
      "/admin/faults/:id",
      {
        DELETE: async (context) => {
          const fault = deps.faults.clear(context.params["id"] ?? "");
          if (fault === undefined) throw new GatewayError("not_found", { message: "No such fault in force (it may have expired)." });
          await deps.audit.append({ at: new Date(deps.now()).toISOString(), actor: actorOf(context), action: "fault.clear", target: fault.id, details: { kind: fault.spec.kind, deployments: fault.deployments } });
          sendJson(context.response, 200, describeFault(fault));
        },
      },
    ],
  ]);
}
