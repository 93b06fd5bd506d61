import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createRollupAggregator } from "../../src/slo/rollup-aggregator.js";
import { openStore } from "../../src/store/open-store.js";
import { createFakeClock } from "../helpers/fake-clock.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Runs the real CLI in a child process, the way a user would. */
function gantry(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "src/cli/gantry.ts", ...args], { cwd: repoRoot }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
  });
}

const directory = mkdtempSync(join(tmpdir(), "gantry-slo-cli-"));
const config = join(directory, "gantry.yaml");

beforeAll(async () => {
  const database = join(directory, "gantry.db");
  writeFileSync(
    config,
    `database: { path: "${database}" }
slos:
  - { name: story-availability, model: story, objective: 99, sli: { kind: availability } }
  - { name: key-latency, key: key-1, objective: 90, sli: { kind: latency, threshold_ms: 1000 } }
models:
  - name: story
    deployments:
      - { provider: openai-compatible, base_url: "http://127.0.0.1:9/v1", upstream_model: tiny }
`,
  );
  // Rollups as a gateway would have left them: 9 good requests and one server error, a minute ago.
  const store = await openStore({ path: database });
  const clock = createFakeClock(Date.now() - 60_000);
  const aggregator = createRollupAggregator({ store, replica: "cli-test", now: clock.now, flushIntervalMs: 0, schedule: clock.schedule, onError: () => undefined });
  for (let index = 0; index < 10; index++) {
    aggregator.record({
      endedAt: clock.now(), path: "/v1/chat/completions", model: "story", version: "", deployment: "", keyId: "key-1", team: "", status: index === 0 ? 502 : 200, errorCode: index === 0 ? "upstream_error" : "",
      promptTokens: 1, completionTokens: 1, cachedTokens: 0, costUsd: 0, latencyMs: index < 5 ? 200 : 3000, ttftMs: undefined, tpotMs: undefined, finishReason: "",
    });
  }
  await aggregator.close();
  await store.close();
}, 30_000);

describe.concurrent("gantry slo", () => {
  it("status prints each SLO's SLI, budget and burn rates from the database", async () => {
    const result = await gantry("slo", "status", "--config", config);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const line = result.stdout.split("\n").find((text) => text.startsWith("story-availability"));
    expect(line).toContain("90.000%");
    expect(line).toContain("9/10");
    expect(result.stdout).toContain("BURN 5m");
    const json = await gantry("slo", "status", "--config", config, "--json");
    const statuses = JSON.parse(json.stdout) as { name: string; events: { good: number; total: number } }[];
    // The latency SLO counts the successful requests: 4 of 9 at or under a second.
    expect(statuses.find((status) => status.name === "key-latency")?.events).toEqual({ good: 4, total: 9 });
  }, 120_000);

  it("rules writes Prometheus rules and says which SLOs it cannot express", async () => {
    const out = join(directory, "rules.yaml");
    const result = await gantry("slo", "rules", "--config", config, "--out", out, "--policies", "page:10:1h:5m");
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("skipped key-latency");
    const rules = parse(readFileSync(out, "utf8")) as { groups: { name: string }[] };
    expect(rules.groups.map((group) => group.name)).toEqual(["gantry-slo-story-availability"]);
    const bad = await gantry("slo", "rules", "--config", config, "--policies", "page:10:1h");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("not severity:factor:long:short");
  }, 120_000);
});
