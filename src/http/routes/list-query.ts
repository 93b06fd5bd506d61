import { GatewayError } from "../../errors/gateway-error.js";
import type { RequestContext } from "../../pipeline/request-context.js";

/** `after` and `limit` of an OpenAI list endpoint (limit 1–100, default 20), plus any other parameter by name. */
export function listQuery(context: RequestContext): { after: string | undefined; limit: number; params: URLSearchParams } {
  const url = context.request.url ?? "";
  const params = new URLSearchParams(url.includes("?") ? url.slice(url.indexOf("?") + 1) : "");
  const rawLimit = params.get("limit");
  const limit = rawLimit === null ? 20 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new GatewayError("invalid_request", { message: "limit must be an integer from 1 to 100.", param: "limit" });
  return { after: params.get("after") ?? undefined, limit, params };
}

/** An OpenAI list object over one page. */
export function listObject<T>(data: readonly T[], hasMore: boolean, idOf: (item: T) => string): Record<string, unknown> {
  return { object: "list", data, first_id: data[0] === undefined ? null : idOf(data[0]), last_id: data.at(-1) === undefined ? null : idOf(data.at(-1) as T), has_more: hasMore };
}
