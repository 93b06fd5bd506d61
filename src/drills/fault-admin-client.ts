import { request } from "undici";
import type { FaultEffect } from "./fault-spec.js";

/** A fault as the admin API returns it. */
export interface FaultView {
  readonly id: string;
  readonly kind: string;
  readonly deployments: readonly string[];
  readonly expires_at: string;
  readonly [field: string]: unknown;
}

/** The admin API's fault routes, as a drill (or `gantry drill inject|list|clear`) calls them. */
export interface FaultAdminClient {
  inject(fault: FaultEffect & { duration_s: number }): Promise<FaultView>;
  list(): Promise<FaultView[]>;
  /** Ends a fault; false when it had already expired or never existed. */
  clear(id: string): Promise<boolean>;
}

/** Creates a client for a running gateway; the admin key goes as a Bearer token. */
export function createFaultAdminClient(url: string, adminKey: string | undefined): FaultAdminClient {
  const call = async (method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const response = await request(`${url}${path}`, {
      method,
      headers: { ...(adminKey === undefined ? {} : { authorization: `Bearer ${adminKey}` }), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.body.text();
    const json: unknown = text === "" ? undefined : JSON.parse(text);
    if (response.statusCode >= 400 && response.statusCode !== 404) throw new Error(`${method} ${path} answered ${response.statusCode}: ${text.slice(0, 500)}`);
    return { status: response.statusCode, json };
  };
  return {
    inject: async (fault) => {
      const { status, json } = await call("POST", "/admin/faults", fault);
      if (status === 404) throw new Error(`POST /admin/faults answered 404: ${JSON.stringify(json)}`);
      return json as FaultView;
    },
    list: async () => ((await call("GET", "/admin/faults")).json as { data: FaultView[] }).data,
    clear: async (id) => (await call("DELETE", `/admin/faults/${encodeURIComponent(id)}`)).status === 200,
  };
}
