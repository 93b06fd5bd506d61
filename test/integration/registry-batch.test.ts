import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI, { toFile } from "openai";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/main.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function upstream(text: string): Promise<FakeUpstream> {
  const started = await startFakeUpstream();
  started.defaultBehavior = { kind: "ok", text };
  cleanups.push(() => started.close());
  return started;
}

describe("batch lines and the model registry", () => {
  it("resolves each line's version as an online request of the same user, and records it on the line's result", async () => {
    const [primary, candidate] = [await upstream("from version one"), await upstream("from version two")];
    const gateway: RunningGateway = await startTestGateway(`logging: { level: silent }
admin: { open_on_loopback: true }
batch: { files_dir: "${mkdtempSync(join(tmpdir(), "gantry-registry-batch-"))}", poll_ms: 20, chunk_lines: 10 }
models:
  - name: story
    deployments:
      - { provider: openai-compatible, base_url: "${primary.baseUrl}", upstream_model: tiny }
`);
    cleanups.push(() => gateway.close());
    const admin = (path: string, method: string, body: unknown): Promise<Response> => fetch(`${gateway.url}${path}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await admin("/admin/models/story/versions", "POST", { deployments: [{ provider: "openai-compatible", base_url: candidate.baseUrl, upstream_model: "tiny-2" }], aliases: ["canary"] })).status).toBe(201);
    expect((await admin("/admin/models/story/split", "PUT", { canary_percent: 50 })).status).toBe(200);

    const users = Array.from({ length: 20 }, (_, index) => `user-${index}`);
    const body = (user: string): Record<string, unknown> => ({ model: "story", messages: [{ role: "user", content: `hello from ${user}` }], user });
    // The version each user gets online: the sticky split's answer.
    const online = new Map<string, string | null>();
    for (const user of users) {
      const response = await admin("/v1/chat/completions", "POST", body(user));
      await response.text();
      online.set(user, response.headers.get("x-gantry-model-version"));
    }
    expect(new Set(online.values())).toEqual(new Set(["1", "2"]));

    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const lines = users.map((user) => JSON.stringify({ custom_id: user, method: "POST", url: "/v1/chat/completions", body: body(user) }));
    const file = await client.files.create({ file: await toFile(Buffer.from(`${lines.join("\n")}\n`), "input.jsonl"), purpose: "batch" });
    let batch = await client.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
    while (!["completed", "failed", "expired", "cancelled"].includes(batch.status)) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      batch = await client.batches.retrieve(batch.id);
    }
    expect(batch.request_counts).toEqual({ total: 20, completed: 20, failed: 0 });
    const outputs = (await (await client.files.content(batch.output_file_id ?? "")).text())
      .trim()
      .split("\n")
      .map((text) => JSON.parse(text) as { custom_id: string; response: { model_version?: string; body: { choices: { message: { content: string } }[] } } });
    for (const output of outputs) {
      const version = online.get(output.custom_id);
      expect(output.response.model_version).toBe(version);
      expect(output.response.body.choices[0]?.message.content).toBe(version === "2" ? "from version two" : "from version one");
    }
  }, 60_000);
});
