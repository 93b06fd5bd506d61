import { generateApiKey, generateKeyId } from "../../auth/api-key.js";
import type { AuditLog } from "../../auth/audit-log.js";
import { createKeyRequestSchema } from "../../auth/key-policy.js";
import { publicKeyRecord, type KeyRecord } from "../../auth/key-record.js";
import type { KeyStore } from "../../auth/key-store.js";
import { GatewayError } from "../../errors/gateway-error.js";
import type { SpendStore } from "../../limits/spend-store.js";
import { validateRequest } from "../../protocol/validate-request.js";
import { readJsonBody } from "../read-json-body.js";
import type { RequestContext } from "../../pipeline/request-context.js";
import type { MethodHandlers } from "../route-table.js";
import { sendJson } from "../send.js";

export interface AdminKeyRoutesDeps {
  store: KeyStore;
  audit: AuditLog;
  spend: SpendStore;
  now: () => number;
}

const adminBodyLimitBytes = 64 * 1024;

/** The admin API for virtual keys and the audit log; mounted behind the admin guard. */
export function createAdminKeyRoutes(deps: AdminKeyRoutesDeps): Map<string, MethodHandlers> {
  const record = (context: RequestContext, action: string, target?: string, details?: Record<string, unknown>): Promise<void> =>
    deps.audit.append({ at: new Date(deps.now()).toISOString(), actor: actorOf(context), action, ...(target === undefined ? {} : { target }), ...(details === undefined ? {} : { details }) });
  return new Map<string, MethodHandlers>([
    [
      "/admin/keys",
      {
        POST: async (context) => {
          const body = validateRequest(createKeyRequestSchema, await readJsonBody(context.request, adminBodyLimitBytes));
          if (body.expires_at !== undefined && Date.parse(body.expires_at) <= deps.now()) throw new GatewayError("invalid_request", { message: "expires_at is in the past.", param: "expires_at" });
          const { key, hash, prefix } = generateApiKey();
          const created: KeyRecord = { ...body, id: generateKeyId(), prefix, hash, created_at: new Date(deps.now()).toISOString() };
          await deps.store.create(created);
          await record(context, "key.create", created.id, { name: created.name, ...(created.team === undefined ? {} : { team: created.team }) });
          sendJson(context.response, 201, { ...publicKeyRecord(created), key });
        },
        GET: async (context) => {
          const keys = await deps.store.list();
          sendJson(context.response, 200, { object: "list", data: keys.map(publicKeyRecord) });
        },
      },
    ],
    [
      "/admin/keys/:id",
      {
        GET: async (context) => {
          const found = await deps.store.get(context.params["id"] ?? "");
          if (found === undefined) throw new GatewayError("not_found", { message: "No such key." });
          const [key, team] = await Promise.all([deps.spend.get(`key:${found.id}`), found.team === undefined ? undefined : deps.spend.get(`team:${found.team}`)]);
          sendJson(context.response, 200, { ...publicKeyRecord(found), spend: { day_usd: key.dayUsd, month_usd: key.monthUsd, ...(team === undefined ? {} : { team_day_usd: team.dayUsd, team_month_usd: team.monthUsd }) } });
        },
        DELETE: async (context) => {
          const revoked = await deps.store.revoke(context.params["id"] ?? "", new Date(deps.now()).toISOString());
          if (revoked === undefined) throw new GatewayError("not_found", { message: "No such key." });
          await record(context, "key.revoke", revoked.id);
          sendJson(context.response, 200, publicKeyRecord(revoked));
        },
      },
    ],
    [
      "/admin/spend",
      {
        GET: async (context) => {
          // Live keys only, read in parallel: one spend lookup per key and per team, bounded by the key store's size.
          const keys = (await deps.store.list()).filter((key) => key.revoked_at === undefined);
          const teams = [...new Set(keys.flatMap((key) => (key.team === undefined ? [] : [key.team])))];
          const [keySpend, teamSpend] = await Promise.all([Promise.all(keys.map((key) => deps.spend.get(`key:${key.id}`))), Promise.all(teams.map((team) => deps.spend.get(`team:${team}`)))]);
          sendJson(context.response, 200, {
            object: "spend",
            keys: keys.map((key, index) => ({ id: key.id, name: key.name, team: key.team ?? null, budget: key.budget ?? null, day_usd: keySpend[index]?.dayUsd ?? 0, month_usd: keySpend[index]?.monthUsd ?? 0 })),
            teams: teams.map((team, index) => ({ team, day_usd: teamSpend[index]?.dayUsd ?? 0, month_usd: teamSpend[index]?.monthUsd ?? 0 })),
          });
        },
      },
    ],
    [
      "/admin/audit",
      {
        GET: async (context) => {
          const limit = Number(new URL(context.request.url ?? "/", "http://gantry").searchParams.get("limit") ?? 100);
          if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new GatewayError("invalid_request", { message: "limit must be 1..1000.", param: "limit" });
          sendJson(context.response, 200, { object: "list", data: await deps.audit.recent(limit) });
        },
      },
    ],
  ]);
}

/** Who did it: the admin virtual key's id, or the admin key (never its value), and where the call came from. */
export function actorOf(context: RequestContext): string {
  const who = context.principal === undefined ? "admin-key" : `key:${context.principal.id}`;
  return `${who}@${context.request.socket.remoteAddress ?? "unknown"}`;
}
