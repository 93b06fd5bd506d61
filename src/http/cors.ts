import type { IncomingMessage, ServerResponse } from "node:http";
import type { CorsConfig } from "../config/cors-config-schema.js";

/** Adds CORS headers for allowed origins; returns true when it answered a preflight by itself. */
export type Cors = (request: IncomingMessage, response: ServerResponse) => boolean;

const allowedHeaders = "authorization, x-api-key, content-type, x-request-id, x-session-id";
const exposedHeaders = "x-request-id, x-gantry-request-id, x-gantry-model, x-gantry-deployment, retry-after, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens";

const adminPath = /^\/admin(?:[/?]|$)/;

/** CORS for the configured origins; undefined (no CORS headers at all, browsers refuse cross-origin calls) when not configured. */
export function createCors(config: CorsConfig | undefined): Cors | undefined {
  if (config === undefined) return undefined;
  const any = config.origins.includes("*");
  const origins = new Set(config.origins.map((origin) => (origin === "*" ? origin : new URL(origin).origin)));
  return (request, response) => {
    // The admin API is never for other origins: no CORS headers, and its preflights are not answered.
    if (adminPath.test(request.url ?? "")) return false;
    const origin = request.headers["origin"];
    const allowed = typeof origin === "string" && (any || origins.has(origin));
    if (allowed) {
      response.setHeader("access-control-allow-origin", any ? "*" : origin);
      response.setHeader("access-control-expose-headers", exposedHeaders);
    }
    if (!any) response.setHeader("vary", "origin");
    if (request.method !== "OPTIONS" || request.headers["access-control-request-method"] === undefined) return false;
    if (allowed) {
      response.setHeader("access-control-allow-methods", "GET, POST, DELETE, OPTIONS");
      response.setHeader("access-control-allow-headers", allowedHeaders);
      response.setHeader("access-control-max-age", String(config.max_age_s));
    }
    response.writeHead(204, { "content-length": "0" });
    response.end();
    return true;
  };
}
