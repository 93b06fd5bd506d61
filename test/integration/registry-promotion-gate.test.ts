import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createGateVerdictStore, type GateVerdictStore } from "../../src/evals/gate-verdict-store.js";
import type { GateVerdict } from "../../src/evals/gate.js";
import type { RunningGateway } from "../../src/main.js";
import { createSqliteExecutor } from "../../src/store/sqlite-executor.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startClockedGateway } from "../helpers/gateway.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function upstream(): Promise<FakeUpstream> {
  const started = await startFakeUpstream({ record: false });
  cleanups.push(() => started.close());
  return started;
}

/** A gateway whose `story` promotions need a passing eval gate against the baseline `main`, and the verdict store of its database. */
async function gatedGateway(clock: FakeClock): Promise<{ gateway: RunningGateway; verdicts: GateVerdictStore }> {
  const path = join(mkdtempSync(join(tmpdir(), "gantry-promotion-gate-")), "gantry.db");
  const primary = await upstream();
  const gateway = await startClockedGateway(
    `server: { shutdown_grace_ms: 500 }
logging: { level: silent }
admin: { open_on_loopback: true }
database: { path: "${path}" }
rollups: { flush_interval_seconds: 1 }
registry:
  analysis_tick: 30s
  promotion: { story: { require_eval_gate: { baseline: main } } }
models:
  - name: story
    retry: { max_attempts: 1 }
    deployments:
      - { provider: openai-compatible, base_url: "${primary.baseUrl}", upstream_model: tiny }
`,
    clock,
  );
  cleanups.push(() => gateway.close());
  // What `gantry eval gate` writes, written here on a second connection to the gateway's database.
  const executor = createSqliteExecutor(path);
  cleanups.push(() => executor.close());
  const candidate = await upstream();
  expect((await admin(gateway, "/admin/models/story/versions", "POST", { deployments: [{ provider: "openai-compatible", base_url: candidate.baseUrl, upstream_model: "tiny-2" }] })).status).toBe(201);
  return { gateway, verdicts: createGateVerdictStore(executor) };
}

const verdict = (clock: FakeClock, value: GateVerdict, runId: string): Parameters<GateVerdictStore["record"]>[0] => ({
  baseline: "main",
  baselineRunId: "run_base",
  candidateRunId: runId,
  suiteName: "suite",
  model: "story",
  modelVersion: "2",
  verdict: value,
  reason: value === "pass" ? "the interval's lower bound is within the tolerance" : "the whole interval lies below the tolerance",
  at: clock.now(),
});

async function admin(gateway: RunningGateway, path: string, method = "GET", body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}${path}`, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const prodOf = async (gateway: RunningGateway): Promise<unknown> => ((await admin(gateway, "/admin/models")).json["data"] as { aliases: Record<string, number> }[])[0]?.aliases["prod"];
const errorOf = (json: Record<string, unknown>): { code: string; message: string } => json["error"] as { code: string; message: string };

describe("the eval gate as a promotion precondition", () => {
  it("refuses a manual promotion until the newest stored verdict of the version passes", async () => {
    const clock = createFakeClock(Date.parse("2026-03-01T00:00:00Z"));
    const { gateway, verdicts } = await gatedGateway(clock);

    const missing = await admin(gateway, "/admin/models/story/promote", "POST", { version: 2 });
    expect(missing.status).toBe(409);
    expect(errorOf(missing.json).code).toBe("promotion_blocked");
    expect(errorOf(missing.json).message).toContain('no eval gate verdict is stored for version 2 against the baseline "main"');
    // Moving the alias by hand is a promotion too.
    expect((await admin(gateway, "/admin/models/story/aliases/prod", "PUT", { version: 2 })).status).toBe(409);
    expect(await prodOf(gateway)).toBe(1);
    const audit = (await admin(gateway, "/admin/audit")).json["data"] as { action: string; target: string; details: { reason: string } }[];
    expect(audit.at(-1)).toMatchObject({ action: "model.promote_refused", target: "story#2" });
    expect(audit.at(-1)?.details.reason).toContain("no eval gate verdict");

    await verdicts.record(verdict(clock, "regression", "run_bad"));
    const failing = await admin(gateway, "/admin/models/story/promote", "POST", { version: 2 });
    expect(failing.status).toBe(409);
    expect(errorOf(failing.json).message).toContain("is regression (run run_bad");

    clock.advance(1000);
    await verdicts.record(verdict(clock, "pass", "run_good"));
    const promoted = await admin(gateway, "/admin/models/story/promote", "POST", { version: 2 });
    expect(promoted.status).toBe(200);
    expect(await prodOf(gateway)).toBe(2);
    // A rollback is never gated: it goes back to a version that was prod.
    expect((await admin(gateway, "/admin/models/story/rollback", "POST")).status).toBe(200);
    expect(await prodOf(gateway)).toBe(1);
  }, 60_000);

  it("pauses a canary at the end of its steps while the gate is missing or failing, and promotes it once it passes", async () => {
    const clock = createFakeClock(Date.parse("2026-03-02T00:00:00Z"));
    const { gateway, verdicts } = await gatedGateway(clock);
    const canary = { version: 2, step_weight: 50, max_weight: 50, interval: "1m", promote: true, min_requests: 5, min_latency_samples: 5 };
    expect((await admin(gateway, "/admin/models/story/canary", "POST", canary)).status).toBe(201);

    let user = 0;
    /** A simulated minute of traffic (one request a second), then a real pause for the rollup flush, then the canary. */
    const minute = async (): Promise<{ status: string; note?: string }> => {
      for (let second = 0; second < 60; second++) {
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "story", messages: [{ role: "user", content: "hello" }], user: `user-${user++}` }),
        });
        expect(response.status).toBe(200);
        await response.text();
        clock.advance(1000);
      }
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const run = (await admin(gateway, "/admin/models/story/canary")).json as { status: string; last_analysis: { note?: string } | null };
      return { status: run.status, ...(run.last_analysis?.note === undefined ? {} : { note: run.last_analysis.note }) };
    };

    let state = await minute();
    for (let tries = 0; tries < 4 && state.status === "running"; tries++) state = await minute();
    // No verdict: the canary passed its analysis but waits, neither promoted nor rolled back.
    expect(state.status).toBe("paused");
    expect(state.note).toContain("no eval gate verdict is stored for version 2");
    expect(await prodOf(gateway)).toBe(1);

    await verdicts.record(verdict(clock, "regression", "run_bad"));
    for (let tries = 0; tries < 2 && state.note?.includes("regression") !== true; tries++) state = await minute();
    expect(state.status).toBe("paused");
    expect(state.note).toContain("is regression");
    expect(await prodOf(gateway)).toBe(1);

    await verdicts.record(verdict(clock, "pass", "run_good"));
    for (let tries = 0; tries < 3 && state.status !== "promoted"; tries++) state = await minute();
    expect(state.status).toBe("promoted");
    expect(await prodOf(gateway)).toBe(2);
    const history = (await admin(gateway, "/admin/models/story/history")).json["changes"] as { actor: string; action: string }[];
    expect(history.some((change) => change.actor === "analysis" && change.action === "alias.promote")).toBe(true);
  }, 120_000);
});
