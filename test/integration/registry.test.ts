import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startClockedGateway, upstreamConfig } from "../helpers/gateway.js";
import { exited, runGantry } from "../helpers/gantry-process.js";
import type { RunningGateway } from "../../src/main.js";

const adminKey = "admin-key-for-registry-tests-0123456789";

let stable: FakeUpstream;
let candidate: FakeUpstream;
let clock: FakeClock;
let gateway: RunningGateway;
let plainKey: string;
let pinKey: string;
let startedAt: number;

async function admin(path: string, method = "GET", body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function chat(key: string, user?: string, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "story", messages: [{ role: "user", content: "hello" }], ...(user === undefined ? {} : { user }) }),
  });
  await response.arrayBuffer();
  return response;
}

beforeAll(async () => {
  stable = await startFakeUpstream({ record: true });
  candidate = await startFakeUpstream({ record: true });
  clock = createFakeClock(Date.parse("2026-01-01T00:00:00Z"));
  startedAt = clock.now();
  gateway = await startClockedGateway(upstreamConfig([stable.baseUrl], `auth: { mode: keys, admin_key: "${adminKey}" }\nlogging: { level: silent, requests: true }`), clock);
  plainKey = String((await admin("/admin/keys", "POST", { name: "plain" })).json["key"]);
  pinKey = String((await admin("/admin/keys", "POST", { name: "pinner", scopes: ["models:pin"] })).json["key"]);
});

afterAll(async () => {
  await gateway.close();
  await stable.close();
  await candidate.close();
});

describe("model registry", () => {
  it("makes the config's model version 1, prod, and echoes the version", async () => {
    const listed = await admin("/admin/models");
    expect(listed.json["data"]).toEqual([{ model: "story", versions: 1, aliases: { prod: 1 }, split: null }]);
    const response = await chat(plainKey);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gantry-model-version")).toBe("1");
  });

  it("sends a 10% canary 10% ± 2 of 5,000 distinct users, to the candidate's own deployments, with its defaults", async () => {
    clock.advance(60_000);
    const created = await admin("/admin/models/story/versions", "POST", {
      deployments: [{ provider: "openai-compatible", base_url: candidate.baseUrl, upstream_model: "tiny-2" }],
      defaults: { temperature: 0.3 },
      system_prompt: "Be brief.",
      metadata: { note: "candidate" },
      aliases: ["canary"],
    });
    expect(created.status).toBe(201);
    expect(created.json["version"]).toBe(2);
    expect((await admin("/admin/models/story/split", "PUT", { canary_percent: 10 })).status).toBe(200);

    const before = candidate.calls.length;
    const versions: string[] = [];
    const total = 5000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          const user = `user-${next++}`;
          const response = await chat(plainKey, user);
          versions.push(response.headers.get("x-gantry-model-version") ?? "");
        }
      }),
    );
    const canary = versions.filter((version) => version === "2").length;
    expect(versions.filter((version) => version === "1").length + canary).toBe(total);
    expect(canary / total).toBeGreaterThanOrEqual(0.08);
    expect(canary / total).toBeLessThanOrEqual(0.12);
    // The canary's requests reached the candidate's deployment, with the version's defaults and system prompt.
    const served = candidate.calls.slice(before).filter((call) => call.path === "/v1/chat/completions");
    expect(served.length).toBe(canary);
    expect(served[0]?.body?.["model"]).toBe("tiny-2");
    expect(served[0]?.body?.["temperature"]).toBe(0.3);
    expect((served[0]?.body?.["messages"] as { role: string }[])[0]).toEqual({ role: "system", content: "Be brief." });
  }, 120_000);

  it("keeps each user on one version in 100% of their requests", async () => {
    for (let user = 0; user < 40; user++) {
      const seen = new Set<string>();
      for (let request = 0; request < 5; request++) seen.add((await chat(plainKey, `sticky-${user}`)).headers.get("x-gantry-model-version") ?? "");
      expect(seen.size).toBe(1);
    }
  });

  it("lets only keys with the models:pin scope choose a version", async () => {
    const denied = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${plainKey}`, "content-type": "application/json", "x-gantry-version": "2" },
      body: JSON.stringify({ model: "story", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe("permission_denied");
    const pinned = await chat(pinKey, "user-1", { "x-gantry-version": "canary" });
    expect(pinned.status).toBe(200);
    expect(pinned.headers.get("x-gantry-model-version")).toBe("2");
    const unknown = await chat(pinKey, undefined, { "x-gantry-version": "9" });
    expect(unknown.status).toBe(404);
  });

  it("answers which version was prod at a time, and rolls back in one command", async () => {
    clock.advance(60_000);
    const promotedAt = clock.now();
    expect((await admin("/admin/models/story/promote", "POST", { version: 2 })).json).toMatchObject({ before: "1", after: "2" });
    expect((await chat(plainKey, "anyone")).headers.get("x-gantry-model-version")).toBe("2");
    clock.advance(60_000);

    const early = await admin(`/admin/models/story/history?at=${new Date(startedAt + 1000).toISOString()}`);
    expect(early.json["prod_at"]).toBe(1);
    const later = await admin(`/admin/models/story/history?at=${promotedAt + 1000}`);
    expect(later.json["prod_at"]).toBe(2);
    expect(await admin(`/admin/models/story/history?at=${startedAt - 1000}`)).toMatchObject({ json: { prod_at: null } });

    const child = runGantry(["models", "rollback", "story", "--url", gateway.url, "--admin-key", adminKey]);
    const result = await exited(child);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ alias: "prod", before: "2", after: "1" });
    expect((await chat(plainKey, "anyone")).headers.get("x-gantry-model-version")).toBe("1");
    const history = (await admin("/admin/models/story/history")).json["changes"] as { action: string; actor: string; before_value: string | null; after_value: string | null }[];
    expect(history[0]).toMatchObject({ action: "alias.rollback", before_value: "2", after_value: "1" });
    expect(history.map((change) => change.action)).toContain("alias.promote");
  }, 60_000);

  it("logs the version on each request row and filters the log by it", async () => {
    await expect
      .poll(async () => ((await admin("/admin/requests?version=2&limit=5")).json["data"] as { model_version: string }[]).map((row) => row.model_version), { timeout: 10_000 })
      .toEqual(["2", "2", "2", "2", "2"]);
  });

  it("refuses bad registry changes with the error table's codes", async () => {
    expect((await admin("/admin/models/story/promote", "POST", { version: 7 })).json).toMatchObject({ error: { code: "model_version_not_found" } });
    expect((await admin("/admin/models/nope/versions")).status).toBe(404);
    expect((await admin("/admin/models/story/split", "PUT", { weights: { beta: 5 } })).status).toBe(404);
    expect((await admin("/admin/models/story/versions", "POST", { deployments: [] })).status).toBe(400);
    expect((await admin("/admin/models/story/aliases/prod", "DELETE")).json).toMatchObject({ error: { code: "registry_conflict" } });
  });
});
