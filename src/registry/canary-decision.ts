import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";
import { histogramQuantile } from "../store/latency-histogram.js";
import type { RollupEvents } from "../store/rollup-store.js";
import type { CanaryConfig } from "./progressive-config-schema.js";

/** One analysis's verdict: worse, no worse, or not enough data to tell. */
export type CanaryVerdict = "fail" | "pass" | "inconclusive";

/** One metric's comparison, as stored with the analysis and shown by the admin API. */
export interface MetricCheck {
  readonly metric: "error_rate" | "ttft_p95" | "latency_p95";
  readonly verdict: CanaryVerdict | "skipped";
  readonly canary: number | null;
  readonly primary: number | null;
  /** error_rate: the posterior probability that the canary is worse by more than the allowed delta. */
  readonly probability_worse?: number;
  readonly reason: string;
}

/** The analysis of one step: the verdict and the checks it was drawn from. */
export interface CanaryAnalysis {
  readonly verdict: CanaryVerdict;
  readonly canary_requests: number;
  readonly primary_requests: number;
  readonly checks: readonly MetricCheck[];
}

/** The rollup sums of both sides over the analysis window; histograms of the ok requests. */
export interface CanarySides {
  readonly canary: { readonly events: RollupEvents; readonly ttft: RollupEvents; readonly latency: RollupEvents };
  readonly primary: { readonly events: RollupEvents; readonly ttft: RollupEvents; readonly latency: RollupEvents };
}

/** The standard normal CDF through the chi-square with one degree of freedom: Z² ~ χ²(1). */
function normalCdf(z: number): number {
  const half = 0.5 * chisquareCdf(z * z, 1);
  return z >= 0 ? 0.5 + half : 0.5 - half;
}

/**
 * P(p_canary − p_primary > delta) under independent Beta posteriors with Jeffreys priors (Beta(½, ½)), the
 * difference approximated as normal. A Bayesian posterior can be re-read at every step without the repeated-look
 * inflation a fixed-sample test would suffer, which is what a canary that is analysed each interval needs.
 */
export function probabilityWorse(canaryErrors: number, canaryTotal: number, primaryErrors: number, primaryTotal: number, delta: number): number {
  const beta = (errors: number, total: number): { mean: number; variance: number } => {
    const a = errors + 0.5;
    const b = total - errors + 0.5;
    return { mean: a / (a + b), variance: (a * b) / ((a + b) ** 2 * (a + b + 1)) };
  };
  const canary = beta(canaryErrors, canaryTotal);
  const primary = beta(primaryErrors, primaryTotal);
  const sd = Math.sqrt(canary.variance + primary.variance);
  return 1 - normalCdf((delta - (canary.mean - primary.mean)) / sd);
}

// Client errors (4xx) are the caller's doing, not the version's: only server errors count against a canary.
const errorRate = (events: RollupEvents): number => (events.total === 0 ? 0 : events.serverErrors / events.total);
const histogramCount = (events: RollupEvents): number => events.histogram?.reduce((sum, count) => sum + count, 0) ?? 0;

function errorCheck(sides: CanarySides, config: CanaryConfig): MetricCheck {
  const canary = sides.canary.events;
  const primary = sides.primary.events;
  const probability = probabilityWorse(canary.serverErrors, canary.total, primary.serverErrors, primary.total, config.max_error_rate_delta);
  const rates = { canary: errorRate(canary), primary: errorRate(primary), probability_worse: Number(probability.toFixed(4)) };
  if (probability >= config.confidence) return { metric: "error_rate", verdict: "fail", ...rates, reason: `P(error rate worse by > ${config.max_error_rate_delta}) = ${rates.probability_worse} ≥ ${config.confidence}` };
  if (canary.total < config.min_requests) return { metric: "error_rate", verdict: "inconclusive", ...rates, reason: `${canary.total} canary requests of the ${config.min_requests} needed` };
  return { metric: "error_rate", verdict: "pass", ...rates, reason: `P(worse by > ${config.max_error_rate_delta}) = ${rates.probability_worse}` };
}

function latencyCheck(metric: "ttft_p95" | "latency_p95", canary: RollupEvents, primary: RollupEvents, config: CanaryConfig): MetricCheck {
  const counts = { canary: histogramCount(canary), primary: histogramCount(primary) };
  const p95 = { canary: histogramQuantile(canary.histogram ?? [], 0.95), primary: histogramQuantile(primary.histogram ?? [], 0.95) };
  // Traffic with no such samples at all (TTFT of non-streamed requests) has nothing to compare, and nothing to wait for.
  if (counts.canary === 0 && counts.primary === 0) return { metric, verdict: "skipped", ...p95, reason: "no samples on either side" };
  if (counts.canary < config.min_latency_samples || counts.primary < config.min_latency_samples) {
    return { metric, verdict: "inconclusive", ...p95, reason: `samples ${counts.canary} (canary) and ${counts.primary} (prod) of the ${config.min_latency_samples} needed` };
  }
  const limit = (p95.primary ?? 0) * (1 + config.max_latency_increase) + config.latency_slack_ms;
  const worse = (p95.canary ?? 0) > limit;
  return { metric, verdict: worse ? "fail" : "pass", ...p95, reason: `canary p95 ${p95.canary} ms ${worse ? ">" : "≤"} limit ${limit.toFixed(0)} ms` };
}

/**
 * Compares the canary with prod: any metric worse fails the step; else any metric short of data leaves it
 * inconclusive (wait, never roll back); else it passes. A failure with little data still fails when the evidence
 * is already strong (20% errors show within a handful of requests), while passing always needs the minimum count.
 */
export function analyseCanary(sides: CanarySides, config: CanaryConfig): CanaryAnalysis {
  const checks = [
    errorCheck(sides, config),
    latencyCheck("ttft_p95", sides.canary.ttft, sides.primary.ttft, config),
    latencyCheck("latency_p95", sides.canary.latency, sides.primary.latency, config),
  ];
  const verdict: CanaryVerdict = checks.some((check) => check.verdict === "fail") ? "fail" : checks.some((check) => check.verdict === "inconclusive") ? "inconclusive" : "pass";
  return { verdict, canary_requests: sides.canary.events.total, primary_requests: sides.primary.events.total, checks };
}
