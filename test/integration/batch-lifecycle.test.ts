import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI, { toFile } from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startClockedGateway, upstreamConfig } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

let upstream: FakeUpstream;
let gateway: RunningGateway;
let clock: FakeClock;
let client: OpenAI;
let release: () => void;

beforeEach(async () => {
  upstream = await startFakeUpstream();
  // Every answer waits for the test: it decides when lines in flight finish.
  upstream.defaultBehavior = { kind: "ok", until: new Promise<void>((resolve) => (release = resolve)) };
  clock = createFakeClock();
  const filesDir = mkdtempSync(join(tmpdir(), "gantry-batch-files-"));
  gateway = await startClockedGateway(upstreamConfig([upstream.baseUrl], `batch: { files_dir: "${filesDir}", chunk_lines: 1, chunks_per_worker: 1, max_concurrency: 1 }`), clock);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});

afterEach(async () => {
  release();
  await gateway.close();
  await upstream.close();
});

async function startBatch(count: number): Promise<string> {
  const lines = Array.from({ length: count }, (_unused, index) => JSON.stringify({ custom_id: `r${index}`, method: "POST", url: "/v1/chat/completions", body: { model: "story", messages: [{ role: "user", content: `line ${index}` }] } }));
  const file = await client.files.create({ file: await toFile(Buffer.from(lines.join("\n")), "in.jsonl"), purpose: "batch" });
  const batch = await client.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
  // The first line is in flight (held by the upstream) once the worker has validated and claimed.
  while (upstream.openRequests() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  return batch.id;
}

/** Polls the batch until it reaches one of `statuses`, moving the fake clock by `tickMs` between polls. */
async function until(id: string, statuses: readonly string[], tickMs = 0): Promise<OpenAI.Batches.Batch> {
  for (;;) {
    const batch = await client.batches.retrieve(id);
    if (statuses.includes(batch.status)) return batch;
    clock.advance(tickMs);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every custom_id of the output and error files, and the error codes of the error file. */
async function accounting(batch: OpenAI.Batches.Batch): Promise<{ ids: string[]; answered: string[]; errorCodes: string[] }> {
  const read = async (id: string | null | undefined): Promise<Record<string, unknown>[]> =>
    id === null || id === undefined ? [] : (await (await client.files.content(id)).text()).trim().split("\n").map((text) => JSON.parse(text) as Record<string, unknown>);
  const output = await read(batch.output_file_id);
  const errors = await read(batch.error_file_id);
  return {
    ids: [...output, ...errors].map((entry) => String(entry["custom_id"])).sort(),
    answered: output.map((entry) => String(entry["custom_id"])),
    errorCodes: [...new Set(errors.map((entry) => String((entry["error"] as { code: string }).code)))],
  };
}

describe("batch cancel and expiry on a fake clock", () => {
  it("cancel: stops claiming, the line in flight finishes, cancelling → cancelled with partial output", async () => {
    const id = await startBatch(4);
    const cancelling = await client.batches.cancel(id);
    expect(cancelling.status).toBe("cancelling");
    expect(cancelling.cancelling_at).toBe(Math.floor(clock.now() / 1000));
    // Still cancelling while the line is in flight.
    expect((await client.batches.retrieve(id)).status).toBe("cancelling");
    release();
    const cancelled = await until(id, ["cancelled"]);
    expect(cancelled.request_counts).toEqual({ total: 4, completed: 1, failed: 3 });
    expect(cancelled.cancelled_at).toBeTypeOf("number");
    const files = await accounting(cancelled);
    expect(files).toEqual({ ids: ["r0", "r1", "r2", "r3"], answered: ["r0"], errorCodes: ["batch_cancelled"] });
    expect(upstream.calls.length).toBe(1);
    await expect(client.batches.cancel(id)).resolves.toMatchObject({ status: "cancelled" });
  });

  it("expiry: past the 24h window, unfinished lines go to the error file as batch_expired", async () => {
    const id = await startBatch(3);
    const createdAt = (await client.batches.retrieve(id)).created_at;
    clock.advance(24 * 3600 * 1000 + 1000);
    // The worker's poll timer runs on the fake clock: keep it moving until the worker has seen the window close.
    const expired = await until(id, ["expired"], 1000);
    expect(expired.expired_at).toBeGreaterThanOrEqual(createdAt + 24 * 3600);
    const files = await accounting(expired);
    expect(files.ids).toEqual(["r0", "r1", "r2"]);
    expect(files.answered).toEqual([]);
    expect(files.errorCodes).toEqual(["batch_expired"]);
    expect(expired.request_counts).toEqual({ total: 3, completed: 0, failed: 3 });
    await expect(client.batches.cancel(id)).rejects.toMatchObject({ status: 409, code: "batch_not_cancellable" });
  });
});
