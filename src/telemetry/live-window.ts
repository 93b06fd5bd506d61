import type { RequestMeasurement } from "./gateway-metrics.js";

/** What the dashboard's live view shows: the last minute of traffic, computed from what the gateway holds in memory. */
export interface LiveSnapshot {
  /** Epoch milliseconds the snapshot was taken at. */
  readonly at: number;
  /** Requests per second over the last `rateWindowSeconds`. */
  readonly rps: number;
  readonly in_flight: number;
  /** Finished requests over the last minute. */
  readonly requests: number;
  readonly errors: number;
  /** Error code → count over the last minute. */
  readonly errors_by_type: Readonly<Record<string, number>>;
  readonly latency_ms: LivePercentiles;
  readonly ttft_ms: LivePercentiles;
  readonly tpot_ms: LivePercentiles;
  readonly tokens: { readonly input: number; readonly output: number; readonly cached: number };
  readonly cost_usd: number;
  /** Hits (exact, semantic, coalesced) over lookups (hits and misses) in the last minute; null with no lookup. */
  readonly cache_hit_rate: number | null;
  readonly saved_usd: number;
}

export interface LivePercentiles {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

/** Records each finished request into per-second slots and summarises the last minute on demand. */
export interface LiveWindow {
  record(measurement: RequestMeasurement): void;
  requestStarted(): void;
  requestEnded(): void;
  snapshot(): LiveSnapshot;
}

const windowSeconds = 60;
const rateWindowSeconds = 10;
// Log-spaced buckets, 5% wide, from 0.1 ms to past 10 minutes: percentiles within 2.5% with a fixed-size array.
const growth = 1.05;
const minMs = 0.1;
const bucketCount = Math.ceil(Math.log(6_000_000) / Math.log(growth)) + 1;
const hitResults = new Set(["hit", "semantic-hit", "coalesced"]);

interface Slot {
  second: number;
  requests: number;
  errors: number;
  errorsByType: Map<string, number>;
  latency: Uint32Array;
  ttft: Uint32Array;
  tpot: Uint32Array;
  input: number;
  output: number;
  cached: number;
  cost: number;
  saved: number;
  hits: number;
  lookups: number;
}

/**
 * A ring of 60 one-second slots with fixed-size latency histograms: recording costs a few additions on the request
 * path, a snapshot merges 60 slots (done once per tick for every subscriber, never per client).
 */
export function createLiveWindow(now: () => number = Date.now): LiveWindow {
  const slots: Slot[] = Array.from({ length: windowSeconds }, () => emptySlot(-1));
  let inFlight = 0;

  function slotFor(second: number): Slot {
    const index = second % windowSeconds;
    let slot = slots[index];
    if (slot === undefined || slot.second !== second) {
      slot = emptySlot(second);
      slots[index] = slot;
    }
    return slot;
  }

  return {
    record(m) {
      const slot = slotFor(Math.floor(now() / 1000));
      slot.requests++;
      if (m.errorCode !== "" || m.status >= 400) {
        slot.errors++;
        const type = m.errorCode === "" ? `http_${m.status}` : m.errorCode;
        slot.errorsByType.set(type, (slot.errorsByType.get(type) ?? 0) + 1);
      }
      observe(slot.latency, m.durationSeconds * 1000);
      if (m.ttftSeconds !== undefined) observe(slot.ttft, m.ttftSeconds * 1000);
      if (m.tpotSeconds !== undefined) observe(slot.tpot, m.tpotSeconds * 1000);
      slot.input += m.inputTokens ?? 0;
      slot.output += m.outputTokens ?? 0;
      slot.cached += m.cachedTokens ?? 0;
      slot.cost += m.costUsd;
      slot.saved += m.savedUsd;
      if (m.cache !== undefined && m.cache !== "bypass") {
        slot.lookups++;
        if (hitResults.has(m.cache)) slot.hits++;
      }
    },
    requestStarted: () => void inFlight++,
    requestEnded: () => void inFlight--,
    snapshot() {
      const at = now();
      const current = Math.floor(at / 1000);
      const live = slots.filter((slot) => slot.second > current - windowSeconds && slot.second <= current);
      const recent = live.filter((slot) => slot.second > current - rateWindowSeconds);
      const errorsByType: Record<string, number> = {};
      for (const slot of live) for (const [type, count] of slot.errorsByType) errorsByType[type] = (errorsByType[type] ?? 0) + count;
      const sum = (pick: (slot: Slot) => number): number => live.reduce((total, slot) => total + pick(slot), 0);
      const lookups = sum((slot) => slot.lookups);
      return {
        at,
        rps: round(recent.reduce((total, slot) => total + slot.requests, 0) / rateWindowSeconds, 3),
        in_flight: inFlight,
        requests: sum((slot) => slot.requests),
        errors: sum((slot) => slot.errors),
        errors_by_type: errorsByType,
        latency_ms: percentiles(live.map((slot) => slot.latency)),
        ttft_ms: percentiles(live.map((slot) => slot.ttft)),
        tpot_ms: percentiles(live.map((slot) => slot.tpot)),
        tokens: { input: sum((slot) => slot.input), output: sum((slot) => slot.output), cached: sum((slot) => slot.cached) },
        cost_usd: round(sum((slot) => slot.cost), 6),
        cache_hit_rate: lookups === 0 ? null : round(sum((slot) => slot.hits) / lookups, 4),
        saved_usd: round(sum((slot) => slot.saved), 6),
      };
    },
  };
}

function emptySlot(second: number): Slot {
  return { second, requests: 0, errors: 0, errorsByType: new Map(), latency: new Uint32Array(bucketCount), ttft: new Uint32Array(bucketCount), tpot: new Uint32Array(bucketCount), input: 0, output: 0, cached: 0, cost: 0, saved: 0, hits: 0, lookups: 0 };
}

function observe(histogram: Uint32Array, ms: number): void {
  const index = ms <= minMs ? 0 : Math.min(bucketCount - 1, Math.ceil(Math.log(ms / minMs) / Math.log(growth)));
  histogram[index] = (histogram[index] ?? 0) + 1;
}

/** Percentiles of the merged histograms, each reported as its bucket's geometric midpoint. */
function percentiles(histograms: readonly Uint32Array[]): LivePercentiles {
  const merged = new Uint32Array(bucketCount);
  for (const histogram of histograms) for (let index = 0; index < bucketCount; index++) merged[index] = (merged[index] ?? 0) + (histogram[index] ?? 0);
  const total = merged.reduce((sum, count) => sum + count, 0);
  if (total === 0) return { p50: null, p95: null, p99: null };
  const at = (quantile: number): number => {
    const rank = Math.ceil(quantile * total);
    let seen = 0;
    for (let index = 0; index < bucketCount; index++) {
      seen += merged[index] ?? 0;
      if (seen >= rank) return index === 0 ? minMs : round(minMs * growth ** (index - 0.5), 3);
    }
    return round(minMs * growth ** (bucketCount - 1), 3);
  };
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
