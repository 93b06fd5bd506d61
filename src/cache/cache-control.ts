import type { IncomingHttpHeaders } from "node:http";

/** What a request lets the cache do: look an answer up, store the answer, and share an in-flight call. */
export interface CacheDirectives {
  readonly lookup: boolean;
  readonly store: boolean;
}

const everything: CacheDirectives = { lookup: true, store: true };
const storeOnly: CacheDirectives = { lookup: false, store: true };
const nothing: CacheDirectives = { lookup: false, store: false };

/**
 * Reads `Cache-Control` (`no-store`: neither; `no-cache`: no lookup, still store) and the `x-gantry-cache` override
 * (`bypass`: neither; `refresh`: no lookup, store the fresh answer). The stricter of the two wins.
 */
export function cacheDirectives(headers: IncomingHttpHeaders): CacheDirectives {
  const override = headers["x-gantry-cache"];
  const control = headers["cache-control"];
  if (override === undefined && control === undefined) return everything;
  const overrideValue = typeof override === "string" ? override.trim().toLowerCase() : "";
  const controlValue = typeof control === "string" ? control.toLowerCase() : "";
  if (overrideValue === "bypass" || /(^|[\s,])no-store($|[\s,=])/.test(controlValue)) return nothing;
  if (overrideValue === "refresh" || /(^|[\s,])no-cache($|[\s,=])/.test(controlValue)) return storeOnly;
  return everything;
}
