import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drift } from "../../src/cli/drift.js";
import type { DriftReport } from "../../src/drift/drift-report.js";
import type { RunningGateway } from "../../src/main.js";
import { createFakeClock } from "../helpers/fake-clock.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startClockedGateway, upstreamConfig } from "../helpers/gateway.js";

// Real requests through a gateway on a fake clock: samples come from the request observer, not from the test.
const english = [
  "Please summarise the attached quarterly report and list the three most important risks for the board.",
  "Write a short story about a fox who learns to read books in the village library during the winter.",
  "Explain how a hash map handles collisions and when a balanced tree is the better choice for lookups.",
];
const french = [
  "Pouvez-vous résumer le rapport trimestriel ci-joint et citer les trois risques les plus importants pour le conseil ?",
  "Écris une courte histoire sur un renard qui apprend à lire des livres dans la bibliothèque du village pendant l'hiver.",
  "Explique comment une table de hachage gère les collisions et quand un arbre équilibré est le meilleur choix.",
];
const hour = 3_600_000;

describe("drift through a gateway", () => {
  let upstream: FakeUpstream;
  let gateway: RunningGateway;
  const clock = createFakeClock(Date.parse("2026-03-02T10:00:00Z"));

  beforeAll(async () => {
    upstream = await startFakeUpstream({ record: false });
    const extra = "admin: { open_on_loopback: true }\ndrift:\n  reference: { window: 2h }\n  current: { window: 1h }\n  min_samples: 30\n";
    gateway = await startClockedGateway(upstreamConfig([upstream.baseUrl], extra), clock);
  });

  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  const chat = (content: string): Promise<Response> =>
    fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "story", messages: [{ role: "user", content }] }) });
  const send = async (prompts: readonly string[], count: number): Promise<void> => {
    for (let index = 0; index < count; index++) expect((await chat(prompts[index % prompts.length] as string)).status).toBe(200);
  };
  const report = async (query = "model=story"): Promise<{ data: DriftReport[] }> => {
    const response = await fetch(`${gateway.url}/admin/drift?${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as { data: DriftReport[] };
  };

  it("says not enough data while the current window is nearly empty, then flags a language shift from real requests", async () => {
    await send(english, 40);
    clock.advance(2 * hour);
    await send(french, 5);
    const early = (await report("model=story&version=1")).data[0];
    expect(early?.not_enough_data).toBe(true);
    expect(early?.drift_detected).toBe(false);
    expect(early?.current.samples).toBe(5);
    expect(early?.reference.samples).toBe(40);

    await send(french, 35);
    const [shifted] = (await report()).data;
    expect(shifted?.current.samples).toBe(40);
    const language = shifted?.features.find((feature) => feature.feature === "language");
    expect(language).toMatchObject({ test: "chi_square", drifted: true, reference_size: 40, current_size: 40 });
    expect(language?.histogram).toEqual({ bins: ["eng", "fra"], reference: [40, 0], current: [0, 40] });
    expect(shifted?.features.find((feature) => feature.feature === "error_type")).toMatchObject({ drifted: false, histogram: { bins: ["none"] } });
    expect(shifted?.drift_detected).toBe(true);
  });

  it("gantry drift report prints the tables, writes the HTML histograms and exits 3 on drift", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "gantry-drift-report-")), "drift.html");
    expect(await drift(["report", "--url", gateway.url, "--model", "story", "--plot", path])).toBe(3);
    const html = readFileSync(path, "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("Drift of story");
    expect(html).toContain("language: DRIFT");
    expect(html).toMatch(/language\s+chi_square/);
  });

  it("rejects a bad query with a 400", async () => {
    const response = await fetch(`${gateway.url}/admin/drift?version=v1`);
    expect(response.status).toBe(400);
  });
});
