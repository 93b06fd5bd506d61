import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBatchLines, createChatBatch, pollBatch } from "../helpers/batch-files.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

const adminKey = "admin-key-for-tests-0123456789";
let upstream: FakeUpstream;
let gateway: RunningGateway;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startTestGateway(upstreamConfig([upstream.baseUrl], `auth: { mode: keys, admin_key: "${adminKey}" }\nbatch: { files_dir: "${mkdtempSync(join(tmpdir(), "gantry-batch-tenancy-"))}", poll_ms: 20 }`));
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

async function clientFor(body: Record<string, unknown>): Promise<OpenAI> {
  const response = await fetch(`${gateway.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  const { key } = (await response.json()) as { key: string };
  return new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
}

describe("batches with virtual keys", () => {
  it("a key sees only its own tenant's files and batches; lines run as the owner, so its scopes apply to them", async () => {
    const owner = await clientFor({ name: "owner" });
    const stranger = await clientFor({ name: "stranger" });
    const restricted = await clientFor({ name: "restricted", models: ["other"] });
    await expect(new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "none", maxRetries: 0 }).files.list()).rejects.toMatchObject({ status: 401 });

    const id = await createChatBatch(owner, chatBatchLines(2));
    const done = await pollBatch(owner, id, (batch) => batch.status === "completed");
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    await expect(stranger.batches.retrieve(id)).rejects.toMatchObject({ status: 404, code: "batch_not_found" });
    await expect(stranger.files.content(done.output_file_id ?? "")).rejects.toMatchObject({ status: 404, code: "file_not_found" });
    await expect(stranger.batches.cancel(id)).rejects.toMatchObject({ status: 404 });
    expect((await stranger.batches.list()).data).toEqual([]);
    expect((await stranger.files.list()).data).toEqual([]);
    expect((await owner.batches.list()).data.map((batch) => batch.id)).toEqual([id]);

    const refused = await pollBatch(restricted, await createChatBatch(restricted, chatBatchLines(1)), (batch) => batch.status === "completed");
    expect(refused.request_counts).toEqual({ total: 1, completed: 0, failed: 1 });
    const error = JSON.parse(await (await restricted.files.content(refused.error_file_id ?? "")).text()) as { response: { status_code: number; body: { error: { code: string } } } };
    expect(error.response.status_code).toBe(403);
    expect(error.response.body.error.code).toBe("permission_denied");
  });
});
