import { z } from "zod";
import { GatewayError } from "../../errors/gateway-error.js";
import type { RequestFilter, RequestStore } from "../../store/request-store.js";
import type { StatsWindow, WindowStats } from "../../store/request-stats.js";
import type { MethodHandlers } from "../route-table.js";
import type { RequestContext } from "../../pipeline/request-context.js";
import { sendJson } from "../send.js";
import { clipClientText } from "../../errors/clip-client-text.js";

const maxWindowMs = 366 * 24 * 3600 * 1000;

const listQuerySchema = z.strictObject({
  from: z.string().optional(),
  to: z.string().optional(),
  model: z.string().min(1).optional(),
  /** The registry version that served the request (docs/registry.md). */
  version: z.string().min(1).max(64).optional(),
  key: z.string().min(1).optional(),
  team: z.string().min(1).optional(),
  client_request_id: z.string().min(1).max(128).optional(),
  status: z.string().regex(/^([1-5]xx|[1-5]\d\d)$/, "a status such as 404 or a class such as 5xx").optional(),
  min_latency_ms: z.coerce.number().min(0).optional(),
  max_latency_ms: z.coerce.number().min(0).optional(),
  error_code: z.string().min(1).max(100).optional(),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const statsQuerySchema = z.strictObject({
  from: z.string().optional(),
  to: z.string().optional(),
  /** Seconds back from `to` (default one hour) when `from` is not given. */
  window: z.coerce.number().int().min(1).max(maxWindowMs / 1000).default(3600),
});

/** The admin API over the request log: GET /admin/requests, /admin/requests/:id and /admin/stats (from `stats`: the rollups when on). */
export function createAdminRequestsRoutes(store: RequestStore, now: () => number = Date.now, stats: (window: StatsWindow) => Promise<WindowStats> = (window) => store.stats(window)): Map<string, MethodHandlers> {
  return new Map<string, MethodHandlers>([
    [
      "/admin/requests",
      {
        GET: async (context) => {
          const query = parseQuery(context, listQuerySchema);
          const filter: RequestFilter = {
            limit: query.limit,
            ...(query.from === undefined ? {} : { from: parseTime(query.from, "from") }),
            ...(query.to === undefined ? {} : { to: parseTime(query.to, "to") }),
            ...(query.model === undefined ? {} : { model: query.model }),
            ...(query.version === undefined ? {} : { version: query.version }),
            ...(query.key === undefined ? {} : { key: query.key }),
            ...(query.team === undefined ? {} : { team: query.team }),
            ...(query.client_request_id === undefined ? {} : { clientRequestId: query.client_request_id }),
            ...(query.status === undefined ? {} : { status: query.status.endsWith("xx") ? { class: Number(query.status[0]) } : { exact: Number(query.status) } }),
            ...(query.min_latency_ms === undefined ? {} : { minLatencyMs: query.min_latency_ms }),
            ...(query.max_latency_ms === undefined ? {} : { maxLatencyMs: query.max_latency_ms }),
            ...(query.error_code === undefined ? {} : { errorCode: query.error_code }),
            ...(query.cursor === undefined ? {} : { before: decodeCursor(query.cursor) }),
          };
          const data = await store.listRequests(filter);
          const last = data.at(-1);
          const nextCursor = data.length === filter.limit && last !== undefined ? encodeCursor(last.time, last.id) : null;
          sendJson(context.response, 200, { object: "list", data, next_cursor: nextCursor });
        },
      },
    ],
    [
      "/admin/requests/:id",
      {
        GET: async (context) => {
          const id = context.params["id"] ?? "";
          const request = await store.getRequest(id);
          if (request === undefined) throw new GatewayError("not_found", { message: `No logged request has the id "${clipClientText(id)}".` });
          sendJson(context.response, 200, request);
        },
      },
    ],
    [
      "/admin/stats",
      {
        GET: async (context) => {
          const query = parseQuery(context, statsQuerySchema);
          const to = query.to === undefined ? now() : parseTime(query.to, "to");
          const from = query.from === undefined ? to - query.window * 1000 : parseTime(query.from, "from");
          if (from >= to || to - from > maxWindowMs) throw new GatewayError("invalid_request", { message: "The window must have from < to and span at most 366 days.", param: "from" });
          sendJson(context.response, 200, { object: "stats", ...(await stats({ from, to })) });
        },
      },
    ],
  ]);
}

/** Parses a query string with a strict schema; the first problem is a 400 naming the parameter. */
export function parseQuery<Schema extends z.ZodType>(context: RequestContext, schema: Schema): z.output<Schema> {
  const url = new URL(context.request.url ?? "/", "http://gantry");
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue?.path.join(".") ?? "";
  throw new GatewayError("invalid_request", { message: `${param === "" ? "" : `${param}: `}${issue?.message ?? "invalid query"}`, param: param === "" ? null : param });
}

/** Epoch milliseconds or an ISO 8601 date-time. */
export function parseTime(value: string, param: string): number {
  const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(time)) throw new GatewayError("invalid_request", { message: `${param}: epoch milliseconds or an ISO 8601 time`, param });
  return time;
}

/** A keyset cursor over (time, id), newest first. */
export function encodeCursor(time: number, id: string): string {
  return Buffer.from(JSON.stringify([time, id])).toString("base64url");
}

/** Reads a cursor from encodeCursor; anything else is a 400. */
export function decodeCursor(cursor: string): { time: number; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && typeof value[0] === "number" && typeof value[1] === "string") return { time: value[0], id: value[1] };
  } catch {
    // Falls through to the error below.
  }
  throw new GatewayError("invalid_request", { message: "cursor: not a cursor from a previous page", param: "cursor" });
}
