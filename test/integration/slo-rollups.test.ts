import { afterEach, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { createFakeClock } from "../helpers/fake-clock.js";
import { startClockedGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";
import type { SloStatus } from "../../src/slo/slo-status.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

const slos = `admin: { open_on_loopback: true }
slos:
  - { name: story-availability, model: story, objective: 99, sli: { kind: availability } }
  - { name: story-latency, model: story, objective: 95, period: 28d, sli: { kind: latency, threshold_ms: 60000 } }
  - { name: other-model, model: nobody, objective: 99.5, sli: { kind: availability } }
`;

async function gatewayOn(upstream: FakeUpstream, clock: ReturnType<typeof createFakeClock>): Promise<RunningGateway> {
  const yaml = `${slos}models:\n  - name: story\n    retry: { max_attempts: 1 }\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }\n`;
  const gateway = await startClockedGateway(yaml, clock);
  open.unshift(gateway);
  return gateway;
}

const chat = (gateway: RunningGateway, model = "story"): Promise<number> =>
  fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }) }).then(async (response) => {
    await response.arrayBuffer();
    return response.status;
  });

async function sloStatus(gateway: RunningGateway): Promise<Map<string, SloStatus>> {
  const body = (await (await fetch(`${gateway.url}/admin/slo`)).json()) as { data: SloStatus[] };
  return new Map(body.data.map((item) => [item.name, item]));
}

describe("SLOs from the per-minute rollups", () => {
  it("counts server errors as bad, client errors as good, and reports budget and burn rates", async () => {
    const upstream = await startFakeUpstream();
    open.push(upstream);
    const clock = createFakeClock(Date.UTC(2026, 0, 1, 12, 0, 30));
    const gateway = await gatewayOn(upstream, clock);
    for (let index = 0; index < 8; index++) expect(await chat(gateway)).toBe(200);
    upstream.enqueue({ kind: "status", status: 500 }, { kind: "status", status: 500 });
    expect(await chat(gateway)).toBeGreaterThanOrEqual(500);
    expect(await chat(gateway)).toBeGreaterThanOrEqual(500);
    // An unknown model is the client's mistake: a 4xx, no dent in the availability SLO.
    expect(await chat(gateway, "missing")).toBe(404);

    let status = await sloStatus(gateway);
    const availability = status.get("story-availability");
    expect(availability?.events).toEqual({ good: 8, total: 10 });
    expect(availability?.sli).toBe(80);
    // 20% errors against a 1% budget: burning at 20x; 0.1 bad events allowed over the period, 2 spent.
    expect(availability?.burn_rates["5m"]).toBe(20);
    expect(availability?.error_budget).toEqual({ allowed: 0.1, consumed: 2, remaining: -19 });
    expect(availability?.window_events["3d"]).toEqual({ good: 8, total: 10 });
    // Latency counts only successful requests, all well under a minute.
    expect(status.get("story-latency")?.events).toEqual({ good: 8, total: 8 });
    expect(status.get("story-latency")?.period_days).toBe(28);
    expect(status.get("other-model")?.events).toEqual({ good: 0, total: 0 });
    expect(status.get("other-model")?.burn_rates["1h"]).toBeNull();

    // Ten minutes on, the 5-minute window is empty while the hour still holds the errors.
    clock.advance(10 * 60_000);
    expect(await chat(gateway)).toBe(200);
    status = await sloStatus(gateway);
    expect(status.get("story-availability")?.window_events["5m"]).toEqual({ good: 1, total: 1 });
    expect(status.get("story-availability")?.burn_rates["5m"]).toBe(0);
    expect(status.get("story-availability")?.window_events["1h"]).toEqual({ good: 9, total: 11 });

    const one = await fetch(`${gateway.url}/admin/slo/story-latency`);
    expect(((await one.json()) as SloStatus).sli_kind).toBe("latency");
    expect((await fetch(`${gateway.url}/admin/slo/nope`)).status).toBe(404);
  });

  it("/admin/stats answers from the rollups in the request-log shape", async () => {
    const upstream = await startFakeUpstream();
    open.push(upstream);
    const clock = createFakeClock(Date.UTC(2026, 0, 1, 12, 0, 30));
    const gateway = await gatewayOn(upstream, clock);
    for (let index = 0; index < 5; index++) expect(await chat(gateway)).toBe(200);
    expect(await chat(gateway, "missing")).toBe(404);
    const stats = (await (await fetch(`${gateway.url}/admin/stats?window=600`)).json()) as {
      total: { requests: number; errors: number; latency_ms: { p50: number | null }; tokens: { prompt: number } };
      models: { model: string | null; requests: number; errors: number }[];
    };
    expect(stats.total.requests).toBe(6);
    expect(stats.total.errors).toBe(1);
    expect(stats.total.latency_ms.p50).toBeGreaterThan(0);
    expect(stats.total.tokens.prompt).toBeGreaterThan(0);
    expect(stats.models.find((item) => item.model === "story")?.requests).toBe(5);
    expect(stats.models.find((item) => item.model === "missing")?.errors).toBe(1);
  });
});
