import { readFileSync } from "node:fs";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createGatewayMetrics } from "../../src/telemetry/gateway-metrics.js";

const root = new URL("../..", import.meta.url);

/** The metric names a PromQL expression reads (label names, `by (…)` lists and functions left out). */
function metricsIn(expr: string): string[] {
  const stripped = expr.replace(/\{[^}]*\}/g, "").replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  return [...stripped.matchAll(/\b(?:gantry|gen_ai|process|nodejs)_[a-z0-9_]+\b(?!\s*\()/g)].map((match) => match[0].replace(/_(bucket|sum|count)$/, ""));
}

const exported = new Set(
  createGatewayMetrics(new Registry(), undefined)
    .registry.getMetricsAsArray()
    .map((metric) => metric.name),
);

describe("shipped Prometheus rules and Grafana dashboard", () => {
  it("puts prom-client's process metrics on each gateway's own registry, so two gateways never collide", () => {
    const names = createGatewayMetrics(new Registry(), undefined).registry.getMetricsAsArray().map((metric) => metric.name);
    expect(names).toEqual(expect.arrayContaining(["process_cpu_seconds_total", "nodejs_eventloop_lag_p99_seconds", "nodejs_heap_size_used_bytes", "nodejs_gc_duration_seconds", "nodejs_active_handles_total"]));
  });

  it("has recording rules that parse and read only exported metrics", () => {
    const rules = parse(readFileSync(new URL("deploy/prometheus/gantry-rules.yaml", root), "utf8")) as { groups: { name: string; rules: { record: string; expr: string }[] }[] };
    const expressions = rules.groups.flatMap((group) => group.rules);
    expect(expressions.length).toBeGreaterThan(5);
    for (const rule of expressions) {
      expect(rule.record).toMatch(/^gantry:[a-z0-9_:]+$/);
      const names = metricsIn(rule.expr);
      expect(names.length, rule.expr).toBeGreaterThan(0);
      for (const name of names) expect(exported, `${rule.record}: ${name}`).toContain(name);
    }
  });

  it("has a dashboard that parses and whose every panel query reads only exported metrics", () => {
    const dashboard = JSON.parse(readFileSync(new URL("deploy/grafana/gantry-dashboard.json", root), "utf8")) as { panels: { type: string; title: string; targets?: { expr: string }[] }[]; templating: { list: { query: unknown }[] } };
    expect(dashboard.panels.length).toBeGreaterThan(5);
    const queries = [...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)), ...dashboard.templating.list.flatMap((item) => (typeof item.query === "string" && item.query.includes("(") ? [item.query] : []))];
    const used = new Set<string>();
    for (const expr of queries) {
      const names = expr.startsWith("label_values(") ? [expr.slice("label_values(".length).split(",")[0]?.trim() ?? ""] : metricsIn(expr);
      // The SLO row reads the series `gantry slo rules` records, and the SLO alerts it defines.
      const sloSeries = [...expr.matchAll(/\bslo:[a-z0-9_:]+|\bALERTS\{alertname=~"GantrySLO/g)].map((match) => match[0]);
      for (const name of sloSeries) expect(name).toMatch(/^(slo:sli_error:ratio_rate(5m|30m|1h|2h|6h|1d|3d)|slo:objective:ratio|ALERTS\{alertname=~"GantrySLO)$/);
      if (sloSeries.length > 0) continue;
      expect(names.length, expr).toBeGreaterThan(0);
      for (const name of names) {
        expect(exported, `${expr}: ${name}`).toContain(name);
        used.add(name);
      }
    }
    // The dashboard shows every metric the gateway itself exports, and the process metrics that matter most.
    expect([...exported].filter((name) => /^(gantry|gen_ai)_/.test(name) && !used.has(name))).toEqual([]);
    expect([...used].filter((name) => /^(process|nodejs)_/.test(name)).sort()).toEqual(["nodejs_active_handles_total", "nodejs_eventloop_lag_p99_seconds", "nodejs_gc_duration_seconds", "nodejs_heap_size_used_bytes"]);
    const processRow = dashboard.panels.findIndex((panel) => panel.type === "row" && panel.title === "Process");
    expect(processRow).toBeGreaterThan(0);
    expect(dashboard.panels.slice(processRow + 1).map((panel) => panel.title)).toEqual(["Event-loop lag p99", "Heap used", "GC time (seconds per second) by kind", "Active handles"]);
  });
});
