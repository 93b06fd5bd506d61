import { isIPv4, isIPv6 } from "node:net";

/** True for hosts only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (bare === "localhost") return true;
  if (isIPv4(bare)) return bare.startsWith("127.");
  if (isIPv6(bare)) return bare === "::1" || bare.toLowerCase().startsWith("::ffff:127.");
  return false;
}

/** Why a config may not start, or undefined: without an `auth` section (or without an admin key) the gateway binds to loopback only. */
export function insecureBindProblem(host: string, auth: { readonly mode: string; readonly admin_key?: string | undefined } | undefined): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  if (auth !== undefined && auth.mode !== "none" && auth.admin_key === undefined) return `refusing to listen on ${host} with an open admin API: set auth.admin_key (e.g. \${GANTRY_ADMIN_KEY})`;
  if (auth !== undefined) return undefined;
  return `refusing to listen on ${host} without authentication: add an auth section (auth: { mode: keys, admin_key: \${GANTRY_ADMIN_KEY} }), or auth: { mode: none } to serve without it on purpose`;
}
