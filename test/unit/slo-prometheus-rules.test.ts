import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { defaultBurnRatePolicies, windowMs } from "../../src/slo/burn-rate-policy.js";
import { prometheusRules } from "../../src/slo/prometheus-rules.js";
import { sloDefinitions } from "../../src/slo/sli-source.js";
import { slosConfigSchema } from "../../src/slo/slo-config-schema.js";

const definitions = sloDefinitions(
  slosConfigSchema.parse([
    { name: "story-availability", model: "story", objective: 99, sli: { kind: "availability" } },
    { name: "story-ttft", model: "story", objective: 95, sli: { kind: "ttft", threshold_ms: 500 } },
    { name: "key-availability", key: "key-1", objective: 99, sli: { kind: "availability" } },
  ]),
);

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  labels: Record<string, string>;
}

const rules = prometheusRules(definitions, defaultBurnRatePolicies);
const groups = (parse(rules.yaml) as { groups: { name: string; rules: Rule[] }[] }).groups;

describe("gantry slo rules", () => {
  it("records the error ratio over every window the policies use, per SLO", () => {
    expect(groups.map((group) => group.name)).toEqual(["gantry-slo-story-availability", "gantry-slo-story-ttft"]);
    const records = groups[0]?.rules.filter((rule) => rule.record !== undefined) ?? [];
    expect(records.map((rule) => rule.record)).toEqual(["5m", "30m", "1h", "2h", "6h", "1d", "3d"].map((window) => `slo:sli_error:ratio_rate${window}`).concat("slo:objective:ratio"));
    expect(records.at(-1)?.expr).toBe("vector(0.99)");
    expect(records[0]?.expr).toBe('sum(rate(gantry_requests_total{model="story",status_class="5xx"}[5m])) / sum(rate(gantry_requests_total{model="story"}[5m]))');
    expect(records[0]?.labels).toEqual({ slo: "story-availability", model: "story" });
    const ttft = groups[1]?.rules.find((rule) => rule.record === "slo:sli_error:ratio_rate1h");
    expect(ttft?.expr).toContain('gen_ai_server_time_to_first_token_seconds_bucket{gen_ai_request_model="story",error_type="",le="0.5"}[1h]');
  });

  it("pages at 14.4x over 1h and 5m or 6x over 6h and 30m; tickets at 3x over 1d and 2h or 1x over 3d and 6h", () => {
    const page = groups[0]?.rules.find((rule) => rule.alert === "GantrySLOErrorBudgetBurnPage");
    expect(page?.labels).toMatchObject({ severity: "page", slo: "story-availability" });
    expect(page?.expr).toContain('(slo:sli_error:ratio_rate1h{slo="story-availability"} > (14.4 * 0.01) and slo:sli_error:ratio_rate5m{slo="story-availability"} > (14.4 * 0.01))');
    expect(page?.expr).toContain("ratio_rate6h{slo=\"story-availability\"} > (6 * 0.01)");
    const ticket = groups[0]?.rules.find((rule) => rule.alert === "GantrySLOErrorBudgetBurnTicket");
    expect(ticket?.expr).toContain("ratio_rate1d{slo=\"story-availability\"} > (3 * 0.01)");
    expect(ticket?.expr).toContain("ratio_rate3d{slo=\"story-availability\"} > (1 * 0.01)");
    expect(rules.skipped).toEqual([{ slo: "key-availability", reason: expect.stringContaining("no key label") as string }]);
  });

  it("takes other policies (windows and factors are configurable)", () => {
    const custom = prometheusRules(definitions.slice(0, 1), [{ severity: "page", factor: 10, longWindow: "2h", shortWindow: "10m" }]);
    expect(custom.yaml).toContain("slo:sli_error:ratio_rate10m");
    expect(custom.yaml).not.toContain("GantrySLOErrorBudgetBurnTicket");
    expect(() => windowMs("5s")).toThrow(/not a window/);
  });

  it("passes promtool check rules and promtool test rules: a 33% error rate pages, a clean stream does not", () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-slo-rules-"));
    writeFileSync(join(dir, "rules.yaml"), rules.yaml);
    const check = spawnSync("promtool", ["check", "rules", join(dir, "rules.yaml")], { encoding: "utf8" });
    expect(check.stdout + check.stderr).toContain("SUCCESS");
    expect(check.status).toBe(0);
    const alertLabels = { alertname: "GantrySLOErrorBudgetBurnPage", slo: "story-availability", model: "story", severity: "page" };
    const unitTests = {
      rule_files: ["rules.yaml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: [
            { series: 'gantry_requests_total{model="story",status_class="2xx"}', values: "0+60x120" },
            { series: 'gantry_requests_total{model="story",status_class="5xx"}', values: "0+30x120" },
          ],
          alert_rule_test: [{ eval_time: "70m", alertname: "GantrySLOErrorBudgetBurnPage", exp_alerts: [{ exp_labels: alertLabels, exp_annotations: pageAnnotations() }] }],
        },
        {
          interval: "1m",
          input_series: [
            { series: 'gantry_requests_total{model="story",status_class="2xx"}', values: "0+60x120" },
            { series: 'gantry_requests_total{model="story",status_class="5xx"}', values: "0+0x120" },
          ],
          alert_rule_test: [{ eval_time: "70m", alertname: "GantrySLOErrorBudgetBurnPage", exp_alerts: [] }],
        },
      ],
    };
    writeFileSync(join(dir, "rules.test.yaml"), stringify(unitTests));
    const test = spawnSync("promtool", ["test", "rules", join(dir, "rules.test.yaml")], { encoding: "utf8", cwd: dir });
    expect(test.stdout + test.stderr).toContain("SUCCESS");
    expect(test.status).toBe(0);
  });
});

function pageAnnotations(): Record<string, string> {
  const page = groups[0]?.rules.find((rule) => rule.alert === "GantrySLOErrorBudgetBurnPage") as (Rule & { annotations: Record<string, string> }) | undefined;
  return page?.annotations ?? {};
}
