import { isIPv4, isIPv6 } from "node:net";

/** True for hosts only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (bare === "localhost") return true;
  if (isIPv4(bare)) return bare.startsWith("127.");
  if (isIPv6(bare)) return bare === "::1" || bare.toLowerCase().startsWith("::ffff:127.");
  return false;
}

/**
 * Why a config may not start, or undefined. Off loopback the gateway needs authentication with an admin key
 * (`mode: none` and `admin.open_on_loopback` are loopback-only), so nothing is open to the network.
 */
export function insecureBindProblem(
  host: string,
  auth: { readonly mode: string; readonly admin_key?: string | undefined } | undefined,
  admin: { readonly open_on_loopback: boolean } | undefined,
): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  if (admin?.open_on_loopback === true) return `refusing to listen on ${host} with admin.open_on_loopback: it opens the admin API on loopback binds only`;
  if (auth === undefined) return `refusing to listen on ${host} without authentication: add an auth section (auth: { mode: keys, admin_key: \${GANTRY_ADMIN_KEY} })`;
  if (auth.mode === "none") return `refusing to listen on ${host} with auth.mode none: use mode keys or jwt with an admin_key (auth.mode none is for loopback only)`;
  if (auth.admin_key === undefined) return `refusing to listen on ${host} with an open admin API: set auth.admin_key (e.g. \${GANTRY_ADMIN_KEY})`;
  return undefined;
}
