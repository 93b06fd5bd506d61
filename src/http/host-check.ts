import type { IncomingMessage } from "node:http";
import { GatewayError } from "../errors/gateway-error.js";

/** Returns the error a request's Host header earns (missing on HTTP/1.1, or a name not allowed), or undefined. */
export type HostCheck = (request: IncomingMessage) => GatewayError | undefined;

const wildcardBinds = new Set(["0.0.0.0", "::", "[::]"]);

/**
 * The DNS-rebinding defence: a page on `evil.example` whose name now resolves to this machine makes the browser send
 * `Host: evil.example`, which is not in the allow-list. Default list: the bound address, localhost, 127.0.0.1 and
 * [::1]; a wildcard bind (0.0.0.0, ::) without `allowed_hosts` accepts any name, since it requires credentials anyway.
 * Ports are not compared: rebinding changes the name, and proxies change the port.
 */
export function createHostCheck(bindHost: string, allowedHosts: readonly string[] | undefined): HostCheck {
  const names = allowedHosts ?? (wildcardBinds.has(bindHost) ? ["*"] : [bindHost, "localhost", "127.0.0.1", "[::1]"]);
  const any = names.includes("*");
  const allowed = new Set(names.map(normalizeHostName));
  return (request) => {
    const host = request.headers.host;
    if (host === undefined || host === "") {
      // HTTP/1.0 may omit Host (RFC 9112 §3.2 requires it from 1.1 on); browsers always send it, so nothing rebinds.
      return request.httpVersionMajor === 1 && request.httpVersionMinor === 0 ? undefined : new GatewayError("invalid_request", { message: "HTTP/1.1 requests need a Host header." });
    }
    if (any || allowed.has(normalizeHostName(hostName(host)))) return undefined;
    return new GatewayError("misdirected_request");
  };
}

/** The name part of a Host header value: `[::1]:4000` → `[::1]`, `example.com:4000` → `example.com`. */
function hostName(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

/** Lower case, no trailing dot, IPv6 literals bracketed. */
function normalizeHostName(name: string): string {
  const lower = name.toLowerCase().replace(/\.$/, "");
  return lower.includes(":") && !lower.startsWith("[") ? `[${lower}]` : lower;
}
