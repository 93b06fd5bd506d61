import { percentileOfSorted } from "../bench/distribution.js";
import type { DrillExpectations } from "./drill-scenario.js";
import type { DrillSample } from "./drill-traffic.js";

/** What clients saw during one step: counts, errors by type, latency percentiles and who answered. */
export interface StepObservation {
  readonly requests: number;
  readonly errors: Readonly<Record<string, number>>;
  /** Milliseconds; from /metrics these are histogram bucket upper bounds. */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number } | undefined;
  /** Answers by `x-gantry-deployment`. */
  readonly answeredBy: Readonly<Record<string, number>>;
  /** Answers that came from a fallback; undefined where it cannot be seen (watching /metrics). */
  readonly fallbacks: number | undefined;
}

/** Summarises the synthetic traffic's samples. */
export function observeSamples(samples: readonly DrillSample[]): StepObservation {
  const errors: Record<string, number> = {};
  const answeredBy: Record<string, number> = {};
  let fallbacks = 0;
  for (const sample of samples) {
    if (sample.errorType !== undefined) errors[sample.errorType] = (errors[sample.errorType] ?? 0) + 1;
    else {
      const deployment = sample.deployment ?? "unknown";
      answeredBy[deployment] = (answeredBy[deployment] ?? 0) + 1;
      if (sample.fallback) fallbacks++;
    }
  }
  const sorted = samples.filter((sample) => sample.errorType !== "client_overloaded").map((sample) => sample.latencyMs).sort((a, b) => a - b);
  const latencyMs = sorted.length === 0 ? undefined : { p50: percentileOfSorted(sorted, 50), p95: percentileOfSorted(sorted, 95), p99: percentileOfSorted(sorted, 99) };
  return { requests: samples.length, errors, latencyMs, answeredBy, fallbacks };
}

/** The reasons a step failed its expectations; empty when every SLO held. */
export function judgeStep(observation: StepObservation, expect: DrillExpectations): string[] {
  const reasons: string[] = [];
  const errorCount = Object.values(observation.errors).reduce((sum, count) => sum + count, 0);
  const answers = observation.requests - errorCount;
  if (expect.min_requests !== undefined && observation.requests < expect.min_requests) reasons.push(`${observation.requests} requests < ${expect.min_requests}`);
  if (expect.max_error_rate !== undefined) {
    const rate = observation.requests === 0 ? 0 : errorCount / observation.requests;
    if (rate > expect.max_error_rate) reasons.push(`error rate ${percent(rate)} > ${percent(expect.max_error_rate)}`);
  }
  for (const [name, limit] of [["p95", expect.p95_ms], ["p99", expect.p99_ms]] as const) {
    const value = observation.latencyMs?.[name];
    if (limit !== undefined && value !== undefined && value > limit) reasons.push(`${name} ${Math.round(value)} ms > ${limit} ms`);
  }
  if (expect.answered_by !== undefined) {
    const allowed = new Set(expect.answered_by);
    const others = Object.keys(observation.answeredBy).filter((deployment) => !allowed.has(deployment));
    if (others.length > 0) reasons.push(`answered by ${others.join(", ")}, not only ${expect.answered_by.join(", ")}`);
    else if (answers === 0) reasons.push(`no answers from ${expect.answered_by.join(", ")}`);
  }
  if (expect.fallback !== undefined && observation.fallbacks !== undefined) {
    const expected = expect.fallback ? answers : 0;
    if (observation.fallbacks !== expected || (expect.fallback && answers === 0)) reasons.push(`${observation.fallbacks} of ${answers} answers by fallback, expected ${expect.fallback ? "all" : "none"}`);
  }
  return reasons;
}

function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}
