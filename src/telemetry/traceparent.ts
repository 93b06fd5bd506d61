import type { SpanContext } from "@opentelemetry/api";

const pattern = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(?:-.*)?$/;

/** Reads a W3C `traceparent` header; undefined when absent or invalid (all-zero ids, version ff). */
export function parseTraceparent(header: string | string[] | undefined): SpanContext | undefined {
  if (typeof header !== "string") return undefined;
  const match = pattern.exec(header.trim().toLowerCase());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags] = match;
  if (version === undefined || traceId === undefined || spanId === undefined || flags === undefined) return undefined;
  if (version === "ff" || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  // Version 00 has exactly four fields; later versions may append more, which we ignore.
  if (version === "00" && header.trim().length !== 55) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & 1, isRemote: true };
}

/** Writes a `traceparent` header for a span. */
export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-0${context.traceFlags & 1}`;
}
