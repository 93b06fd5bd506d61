import { stringify } from "yaml";
import { windowMs, type BurnRatePolicy } from "./burn-rate-policy.js";
import type { SloDefinition } from "./sli-source.js";

/** The generated rule file, and the SLOs it could not express from the gateway's metrics (with why). */
export interface PrometheusRules {
  readonly yaml: string;
  readonly skipped: readonly { readonly slo: string; readonly reason: string }[];
}

const histogramMetrics = { latency: "gen_ai_server_request_duration_seconds", ttft: "gen_ai_server_time_to_first_token_seconds", tpot: "gen_ai_server_time_per_output_token_seconds" } as const;

/** The recording rule holding an SLO's error ratio over `window` (Sloth's naming). */
export function errorRatioRecord(window: string): string {
  return `slo:sli_error:ratio_rate${window}`;
}

/**
 * Recording rules (the error ratio of each SLO over every window the policies use) and multi-window multi-burn-rate
 * alerts, one per SLO and severity, from the same definitions the gateway evaluates. Availability reads
 * `gantry_requests_total` (bad = 5xx); latency kinds read the OpenTelemetry histograms' successful requests
 * (`error_type=""`), good = the `le` bucket of the threshold, which the gateway adds to the metric's buckets.
 * Metrics carry no key or version label, and the histograms no team: such SLOs are skipped and reported.
 */
export function prometheusRules(slos: readonly SloDefinition[], policies: readonly BurnRatePolicy[]): PrometheusRules {
  const windows = [...new Set(policies.flatMap((policy) => [policy.shortWindow, policy.longWindow]))].sort((a, b) => windowMs(a) - windowMs(b));
  const skipped: { slo: string; reason: string }[] = [];
  const groups: unknown[] = [];
  for (const slo of slos) {
    const errorRatio = errorRatioExpression(slo);
    if (typeof errorRatio !== "function") {
      skipped.push({ slo: slo.name, reason: errorRatio.reason });
      continue;
    }
    const budget = round((100 - slo.objective) / 100);
    const labels = { slo: slo.name, ...(slo.selector.model === undefined ? {} : { model: slo.selector.model }), ...(slo.selector.team === undefined ? {} : { team: slo.selector.team }) };
    const selector = `{slo="${slo.name}"}`;
    // The objective as a series too (Sloth's slo:objective:ratio), so dashboards can divide by the budget.
    const recording = [...windows.map((window) => ({ record: errorRatioRecord(window), expr: errorRatio(window), labels })), { record: "slo:objective:ratio", expr: `vector(${round(slo.objective / 100)})`, labels }];
    const alerts = (["page", "ticket"] as const).flatMap((severity) => {
      const chosen = policies.filter((policy) => policy.severity === severity);
      if (chosen.length === 0) return [];
      const expr = chosen
        .map((policy) => `(${errorRatioRecord(policy.longWindow)}${selector} > (${policy.factor} * ${budget}) and ${errorRatioRecord(policy.shortWindow)}${selector} > (${policy.factor} * ${budget}))`)
        .join("\nor\n");
      return [
        {
          alert: severity === "page" ? "GantrySLOErrorBudgetBurnPage" : "GantrySLOErrorBudgetBurnTicket",
          expr,
          labels: { ...labels, severity },
          annotations: {
            summary: `SLO ${slo.name} is burning its error budget too fast (${severity})`,
            description: `${slo.name}: objective ${slo.objective}% over ${slo.periodMs / 86_400_000}d; windows ${chosen.map((policy) => `${policy.factor}x over ${policy.longWindow} and ${policy.shortWindow}`).join("; ")}.`,
          },
        },
      ];
    });
    groups.push({ name: `gantry-slo-${slo.name}`, rules: [...recording, ...alerts] });
  }
  return { yaml: stringify({ groups }, { lineWidth: 0 }), skipped };
}

type RatioExpression = ((window: string) => string) | { readonly reason: string };

function errorRatioExpression(slo: SloDefinition): RatioExpression {
  const { model, version, key, team } = slo.selector;
  if (key !== undefined) return { reason: "the metrics carry no key label (unbounded cardinality); only the gateway evaluates key SLOs" };
  if (version !== undefined) return { reason: "the metrics carry no model version label; only the gateway evaluates version SLOs" };
  if (slo.sli.kind === "availability") {
    const matcher = model !== undefined ? `model="${escape(model)}"` : `team="${escape(team ?? "")}"`;
    return (window) => `sum(rate(gantry_requests_total{${matcher},status_class="5xx"}[${window}])) / sum(rate(gantry_requests_total{${matcher}}[${window}]))`;
  }
  if (model === undefined) return { reason: "the latency histograms carry no team label; only the gateway evaluates team latency SLOs" };
  const metric = histogramMetrics[slo.sli.kind];
  const matcher = `gen_ai_request_model="${escape(model)}",error_type=""`;
  const le = String(slo.sli.thresholdMs / 1000);
  return (window) => `1 - (sum(rate(${metric}_bucket{${matcher},le="${le}"}[${window}])) / sum(rate(${metric}_count{${matcher}}[${window}])))`;
}

function escape(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

function round(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}
