import { batchObject } from "../../batch/batch-object.js";
import type { BatchService } from "../../batch/batch-service.js";
import { tenantOf } from "../../pipeline/principal.js";
import { readJsonBody } from "../read-json-body.js";
import type { MethodHandlers } from "../route-table.js";
import { sendJson } from "../send.js";
import { listObject, listQuery } from "./list-query.js";

/** Bodies of POST /v1/batches are small: ids, an endpoint and at most 16 metadata pairs. */
const createBodyLimit = 64 * 1024;

/** /v1/batches: create, list, retrieve and cancel, within the caller's tenant. */
export function createBatchesRoutes(batches: BatchService): Map<string, MethodHandlers> {
  return new Map<string, MethodHandlers>([
    [
      "/v1/batches",
      {
        POST: async (context) => {
          const body = await readJsonBody(context.request, createBodyLimit);
          const principal = context.principal === undefined ? null : JSON.stringify(context.principal);
          sendJson(context.response, 200, batchObject(await batches.create(tenantOf(context.principal), principal, body)));
        },
        GET: async (context) => {
          const { after, limit } = listQuery(context);
          const page = await batches.list(tenantOf(context.principal), after, limit);
          sendJson(context.response, 200, listObject(page.rows.map((row) => batchObject(row)), page.hasMore, (batch) => String(batch["id"])));
        },
      },
    ],
    [
      "/v1/batches/:id",
      {
        GET: async (context) => {
          const { row, counts } = await batches.get(context.params["id"] ?? "", tenantOf(context.principal));
          sendJson(context.response, 200, batchObject(row, counts));
        },
      },
    ],
    [
      "/v1/batches/:id/cancel",
      {
        POST: async (context) => sendJson(context.response, 200, batchObject(await batches.cancel(context.params["id"] ?? "", tenantOf(context.principal)))),
      },
    ],
  ]);
}
