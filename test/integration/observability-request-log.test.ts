import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/main.js";
import { openStore } from "../../src/store/open-store.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";

interface Listing {
  data: { id: string; model: string | null; status: number; time: number; request_body?: unknown }[];
  next_cursor: string | null;
}

describe("request log, admin query API and feedback", () => {
  let upstream: FakeUpstream;
  let gateway: RunningGateway;
  let dir: string;
  let database: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    dir = mkdtempSync(join(tmpdir(), "gantry-log-"));
    database = join(dir, "gantry.db");
    gateway = await startTestGateway(
      `database: { path: "${database}" }
request_log: { bodies: true, max_body_bytes: 300 }
admin: { open_on_loopback: true }
models:
  - name: story
    pricing: { input_per_million: 1, output_per_million: 2 }
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }
  - name: private
    guardrails: { pii: { mode: redact } }
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }
`,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown): Promise<Response> => fetch(`${gateway.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const get = async <T>(path: string): Promise<T> => (await fetch(`${gateway.url}${path}`)).json() as Promise<T>;

  it("links feedback to a request the moment it finished, and answers 404 and 400 envelopes", async () => {
    const response = await post("/v1/chat/completions", { model: "story", messages: [{ role: "user", content: "Hello" }] });
    const id = response.headers.get("x-request-id") ?? "";
    const created = await post("/v1/feedback", { request_id: id, thumbs: "up", score: 4, comment: "nice" });
    expect(created.status).toBe(201);
    const unknown = await post("/v1/feedback", { request_id: "no-such-request", thumbs: "down" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const invalid = await post("/v1/feedback", { request_id: id, thumbs: "sideways" });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { type: string; param: string } }).error).toMatchObject({ type: "invalid_request_error", param: "thumbs" });
    expect((await post("/v1/feedback", { request_id: id })).status).toBe(400);
    const detail = await get<{ id: string; model: string; cost_usd: number; finish_reason: string; feedback: { thumbs: string; score: number }[] }>(`/admin/requests/${id}`);
    expect(detail).toMatchObject({ id, model: "story", finish_reason: "stop" });
    expect(detail.cost_usd).toBeGreaterThan(0);
    expect(detail.feedback).toMatchObject([{ thumbs: "up", score: 4 }]);
    const stats = await get<{ models: { model: string; feedback: { count: number; thumbs_up: number } }[] }>("/admin/stats?window=600");
    expect(stats.models.find((item) => item.model === "story")?.feedback).toMatchObject({ count: 1, thumbs_up: 1 });
    expect((await fetch(`${gateway.url}/admin/requests/nope`)).status).toBe(404);
  });

  it("stores the forwarded (redacted) prompt, never the raw one, capped in size", async () => {
    const response = await post("/v1/chat/completions", { model: "private", messages: [{ role: "user", content: `Mail me at jane.doe@example.com ${"x".repeat(1000)}` }] });
    expect(response.status).toBe(200);
    const id = response.headers.get("x-request-id") ?? "";
    await post("/v1/feedback", { request_id: id, label: "flush" });
    const detail = await get<{ request_body: string; response_body: string }>(`/admin/requests/${id}`);
    expect(detail.request_body).not.toContain("jane.doe@example.com");
    expect(detail.request_body).toContain("messages");
    expect(Buffer.byteLength(detail.request_body)).toBeLessThanOrEqual(300);
    expect(detail.response_body.length).toBeGreaterThan(0);
  });

  it("logs an unrewritten body from the bytes the client sent: a prefix, cut on a character boundary", async () => {
    // Spacing and key order a re-serialisation would not reproduce; multi-byte characters across the 300-byte cap.
    const raw = `{ "messages" : [ { "role": "user", "content": "${"é€".repeat(200)}" } ],\n  "model": "story" }`;
    const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: raw });
    expect(response.status).toBe(200);
    const id = response.headers.get("x-request-id") ?? "";
    await post("/v1/feedback", { request_id: id, label: "flush" });
    const detail = await get<{ request_body: string }>(`/admin/requests/${id}`);
    const bytes = Buffer.from(raw);
    expect(detail.request_body.startsWith('{ "messages" : [ { "role": "user"')).toBe(true);
    expect(raw.startsWith(detail.request_body)).toBe(true);
    expect(Buffer.byteLength(detail.request_body)).toBeLessThanOrEqual(300);
    expect(Buffer.byteLength(detail.request_body)).toBeGreaterThan(297);
    expect(bytes.length).toBeGreaterThan(300);
  });

  it("validates admin queries", async () => {
    expect((await fetch(`${gateway.url}/admin/requests?limit=5000`)).status).toBe(400);
    expect((await fetch(`${gateway.url}/admin/requests?cursor=garbage`)).status).toBe(400);
    expect((await fetch(`${gateway.url}/admin/requests?bogus=1`)).status).toBe(400);
  });

  it("logs every request under concurrent load (none lost), paginates them, and flushes on shutdown", async () => {
    const count = 400;
    const results = await Promise.all(
      Array.from({ length: count }, (_unused, index) =>
        post("/v1/chat/completions", { model: index % 10 === 0 ? "missing" : "story", stream: index % 2 === 0, messages: [{ role: "user", content: `n${index}` }] }).then(async (response) => {
          await response.text();
          return response.headers.get("x-request-id") ?? "";
        }),
      ),
    );
    // Force the queue to disk through the feedback route's flush, then page through everything.
    await post("/v1/feedback", { request_id: results[1] ?? "", label: "flush" });
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: Listing = await get<Listing>(`/admin/requests?limit=97${cursor === null ? "" : `&cursor=${cursor}`}`);
      for (const row of page.data) {
        expect(row.request_body).toBeUndefined();
        seen.add(row.id);
      }
      cursor = page.next_cursor;
    } while (cursor !== null);
    for (const id of results) expect(seen.has(id)).toBe(true);
    const errors = await get<Listing>("/admin/requests?status=4xx&model=missing&limit=1000");
    expect(errors.data.length).toBe(count / 10);
    const stats = await get<{ total: { requests: number; latency_ms: { p50: number; p99: number } }; models: { model: string | null; errors: number }[] }>("/admin/stats");
    expect(stats.total.requests).toBeGreaterThanOrEqual(seen.size);
    expect(stats.models.find((item) => item.model === "missing")?.errors).toBe(count / 10);
    expect(stats.total.latency_ms.p99).toBeGreaterThanOrEqual(stats.total.latency_ms.p50);

    // Requests right before shutdown are written by close(), not lost.
    const last = await Promise.all(Array.from({ length: 50 }, () => post("/v1/chat/completions", { model: "story", messages: [{ role: "user", content: "bye" }] }).then((response) => response.headers.get("x-request-id") ?? "")));
    await gateway.close();
    const store = await openStore({ path: database });
    try {
      for (const id of last) expect(await store.getRequest(id)).toBeDefined();
      const all = await store.listRequests({ limit: 1000 });
      // Everything listed before, the 50 last requests, and the feedback and admin calls made since.
      expect(all.length).toBeGreaterThanOrEqual(seen.size + 50);
    } finally {
      await store.close();
    }
  }, 30_000);
});
