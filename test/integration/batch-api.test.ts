import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let upstream: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const filesDir = mkdtempSync(join(tmpdir(), "gantry-batch-files-"));
  gateway = await startTestGateway(upstreamConfig([upstream.baseUrl], `batch: { files_dir: "${filesDir}", poll_ms: 20, chunk_lines: 3, max_lines: 20 }`));
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const line = (customId: string, content: string, url = "/v1/chat/completions"): string =>
  JSON.stringify({ custom_id: customId, method: "POST", url, body: { model: "story", messages: [{ role: "user", content }] } });

async function untilDone(id: string): Promise<OpenAI.Batches.Batch> {
  for (;;) {
    const batch = await client.batches.retrieve(id);
    if (["completed", "failed", "expired", "cancelled"].includes(batch.status)) return batch;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("the Batch API with the official openai SDK", () => {
  it("round trip: files.create, batches.create, batches.retrieve (poll), files.content; identical lines answered once", async () => {
    const lines = [line("a", "one"), line("b", "two"), line("c", "one"), line("d", "three"), line("e", "four"), line("f", "one")];
    const file = await client.files.create({ file: await toFile(Buffer.from(lines.join("\n") + "\n"), "input.jsonl"), purpose: "batch" });
    expect(file).toMatchObject({ object: "file", purpose: "batch", filename: "input.jsonl", bytes: Buffer.byteLength(lines.join("\n") + "\n") });
    const callsBefore = upstream.calls.length;
    const created = await client.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h", metadata: { job: "nightly" } });
    expect(created.status).toBe("validating");
    expect(created.metadata).toEqual({ job: "nightly" });
    const done = await untilDone(created.id);
    expect(done.status).toBe("completed");
    expect(done.request_counts).toEqual({ total: 6, completed: 6, failed: 0 });
    expect(done.error_file_id).toBeNull();
    expect(done.in_progress_at).toBeTypeOf("number");
    expect(done.completed_at).toBeTypeOf("number");
    // Four distinct requests: "one" three times is answered once.
    expect(upstream.calls.length - callsBefore).toBe(4);
    const content = await (await client.files.content(done.output_file_id ?? "")).text();
    const outputs = content.trim().split("\n").map((text) => JSON.parse(text) as { id: string; custom_id: string; response: { status_code: number; request_id: string; body: { choices: { message: { content: string } }[] } }; error: unknown });
    expect(outputs.map((output) => output.custom_id).sort()).toEqual(["a", "b", "c", "d", "e", "f"]);
    for (const output of outputs) {
      expect(output.id).toMatch(/^batch_req_/);
      expect(output.response.status_code).toBe(200);
      expect(output.error).toBeNull();
      expect(output.response.body.choices[0]?.message.content).toBeTypeOf("string");
    }
    const byId = new Map(outputs.map((output) => [output.custom_id, output]));
    expect(byId.get("c")?.response.body).toEqual(byId.get("a")?.response.body);
    const listed = await client.batches.list({ limit: 1 });
    expect(listed.data[0]?.id).toBe(created.id);
  });

  it("a line the pipeline refuses lands in the error file with its status and OpenAI error envelope", async () => {
    const body = [line("ok", "hello"), JSON.stringify({ custom_id: "missing", method: "POST", url: "/v1/chat/completions", body: { model: "nope", messages: [{ role: "user", content: "x" }] } })].join("\n");
    const file = await client.files.create({ file: await toFile(Buffer.from(body), "mixed.jsonl"), purpose: "batch" });
    const done = await untilDone((await client.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" })).id);
    expect(done.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
    const errors = (await (await client.files.content(done.error_file_id ?? "")).text()).trim().split("\n").map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(errors).toEqual([{ id: expect.stringMatching(/^batch_req_/) as unknown, custom_id: "missing", response: { status_code: 404, request_id: expect.any(String) as unknown, body: { error: expect.objectContaining({ code: "model_not_found" }) as unknown } }, error: null }]);
  });

  it("validation fails the batch with errors per line: bad JSON, wrong url, duplicate custom_id, bad body", async () => {
    const body = ["{not json", line("x", "a", "/v1/embeddings"), line("y", "b"), line("y", "c"), JSON.stringify({ custom_id: "z", method: "POST", url: "/v1/chat/completions", body: { model: "story" } })].join("\n");
    const file = await client.files.create({ file: await toFile(Buffer.from(body), "bad.jsonl"), purpose: "batch" });
    const done = await untilDone((await client.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" })).id);
    expect(done.status).toBe("failed");
    expect(done.errors?.data?.map((error) => [error.code, error.line, error.param])).toEqual([
      ["invalid_json_line", 1, null],
      ["invalid_url", 2, "url"],
      ["duplicate_custom_id", 4, "custom_id"],
      ["invalid_request", 5, "body.messages"],
    ]);
  });

  it("files: list, retrieve, delete; another tenant's and unknown ids are 404s; bad create params are 400s", async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(line("q", "w")), "one.jsonl"), purpose: "batch" });
    expect((await client.files.retrieve(file.id)).id).toBe(file.id);
    expect((await client.files.list()).data.map((listed) => listed.id)).toContain(file.id);
    await expect(client.batches.create({ input_file_id: file.id, endpoint: "/v1/responses" as "/v1/chat/completions", completion_window: "24h" })).rejects.toMatchObject({ status: 400, param: "endpoint" });
    await expect(client.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h", metadata: Object.fromEntries(Array.from({ length: 17 }, (_unused, index) => [`k${index}`, "v"])) })).rejects.toMatchObject({ status: 400 });
    expect(await client.files.delete(file.id)).toMatchObject({ id: file.id, deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404, code: "file_not_found" });
    await expect(client.batches.retrieve("batch_nope")).rejects.toMatchObject({ status: 404, code: "batch_not_found" });
  });

  it("refuses an upload over max_file_bytes with 413 and a purpose other than batch with 400", async () => {
    const small = await startTestGateway(upstreamConfig([upstream.baseUrl], `batch: { files_dir: "${mkdtempSync(join(tmpdir(), "gantry-batch-small-"))}", max_file_bytes: 1000 }`));
    try {
      const sdk = new OpenAI({ baseURL: `${small.url}/v1`, apiKey: "unused", maxRetries: 0 });
      await expect(sdk.files.create({ file: await toFile(Buffer.alloc(5000, "x"), "big.jsonl"), purpose: "batch" })).rejects.toMatchObject({ status: 413 });
      await expect(sdk.files.create({ file: await toFile(Buffer.from("{}"), "t.jsonl"), purpose: "fine-tune" })).rejects.toMatchObject({ status: 400, param: "purpose" });
      expect((await sdk.files.list()).data).toEqual([]);
    } finally {
      await small.close();
    }
  });
});
