import { request } from "undici";
import type { StepObservation } from "./step-observation.js";

/** One scrape: every sample of the series a drill reads, keyed by name and labels. */
export type MetricsSnapshot = ReadonlyMap<string, { readonly labels: Readonly<Record<string, string>>; readonly value: number }>;

const watched = /^(gantry_requests_total|gen_ai_server_request_duration_seconds_bucket)\{([^}]*)\} (\S+)$/;
const labelPattern = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Reads the gateway's /metrics (request counts by deployment and error code, the request-duration histogram). */
export async function scrapeMetrics(url: string): Promise<MetricsSnapshot> {
  const response = await request(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET ${url}/metrics answered ${response.statusCode}: metrics must be on to watch real traffic`);
  const snapshot = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const line of text.split("\n")) {
    const match = watched.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = { __name__: match[1] ?? "" };
    for (const [, name, value] of (match[2] ?? "").matchAll(labelPattern)) if (name !== undefined) labels[name] = value ?? "";
    snapshot.set(`${match[1]}{${match[2]}}`, { labels, value: Number(match[3]) });
  }
  return snapshot;
}

/** What real traffic did between two scrapes: requests and errors by the counters, percentiles by histogram buckets. */
export function observeMetrics(before: MetricsSnapshot, after: MetricsSnapshot): StepObservation {
  const errors: Record<string, number> = {};
  const answeredBy: Record<string, number> = {};
  const buckets = new Map<number, number>();
  let requests = 0;
  for (const [key, sample] of after) {
    const delta = sample.value - (before.get(key)?.value ?? 0);
    if (delta <= 0) continue;
    const { labels } = sample;
    if (labels["__name__"] === "gantry_requests_total") {
      requests += delta;
      if (labels["status_class"] === "2xx" && !labels["error_code"]) add(answeredBy, labels["deployment"] || "unknown", delta);
      else add(errors, labels["error_code"] || `http_${labels["status_class"] ?? "error"}`, delta);
    } else {
      const le = labels["le"] === "+Inf" ? Infinity : Number(labels["le"]);
      buckets.set(le, (buckets.get(le) ?? 0) + delta);
    }
  }
  return { requests, errors, latencyMs: quantiles(buckets), answeredBy, fallbacks: undefined };
}

/** p50/p95/p99 as the upper bound (ms) of the first cumulative bucket that reaches each rank. */
function quantiles(buckets: ReadonlyMap<number, number>): StepObservation["latencyMs"] {
  const bounds = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = bounds.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  const at = (q: number): number => (bounds.find(([, count]) => count >= q * total)?.[0] ?? Infinity) * 1000;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

function add(counts: Record<string, number>, key: string, delta: number): void {
  counts[key] = (counts[key] ?? 0) + delta;
}
