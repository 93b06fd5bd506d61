import { afterEach, describe, expect, it } from "vitest";
import { createJsonParseWorkers, type JsonParseWorkers, type StreamedOutcome } from "../../src/http/json-parse-workers.js";
import type { JsonScanProblem } from "../../src/http/prescan-json.js";

const limits = { maxDepth: 8, maxElements: 10_000 };

let pool: JsonParseWorkers | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

/** Streams `bytes` to the pool in `chunkBytes` pieces (a small size hint, so the worker's buffer has to grow). */
async function stream(workers: JsonParseWorkers, bytes: Buffer, chunkBytes = 1000): Promise<{ outcome: StreamedOutcome; early: JsonScanProblem[] }> {
  const early: JsonScanProblem[] = [];
  const body = workers.open(limits, 16, (problem) => early.push(problem));
  if (body === undefined) throw new Error("the pool is closed");
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) body.push(bytes.subarray(offset, offset + chunkBytes));
  return { outcome: await body.end(), early };
}

describe("JSON parse workers", () => {
  it("parse a large UTF-8 body streamed in chunks into the same value as JSON.parse, several at once", async () => {
    pool = createJsonParseWorkers({ threads: 2 });
    const value = { model: "m", messages: Array.from({ length: 64 }, (_, index) => ({ role: "user", content: `héllo ${index} ${"x".repeat(6_000)} ✓` })) };
    // 4093-byte chunks cut multi-byte characters and escapes apart: the worker joins bytes, not strings.
    const results = await Promise.all([1, 2, 3].map(() => (pool === undefined ? undefined : stream(pool, Buffer.from(JSON.stringify(value)), 4093))));
    for (const result of results) expect(result).toEqual({ outcome: { ok: true, value }, early: [] });
  });

  it("drop a leading byte-order mark and refuse malformed UTF-8 and malformed JSON", async () => {
    pool = createJsonParseWorkers({ threads: 1 });
    expect((await stream(pool, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]), 2)).outcome).toEqual({ ok: true, value: { a: 1 } });
    expect((await stream(pool, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))).outcome).toMatchObject({ ok: false, problem: "invalid_encoding" });
    expect((await stream(pool, Buffer.from('{"a":'))).outcome).toMatchObject({ ok: false, problem: "invalid_json" });
  });

  it("scan on the worker: report a body past the element or depth limit while it uploads, and end with that problem", async () => {
    pool = createJsonParseWorkers({ threads: 1 });
    const workers = pool;
    const early: JsonScanProblem[] = [];
    const body = workers.open(limits, 16, (problem) => early.push(problem));
    // Elements past the limit in the first batch (256 KiB): the report comes before any end.
    body?.push(Buffer.from(`{"a":[${"1,".repeat(600_000)}`));
    await expect.poll(() => early).toEqual(["too_many_elements"]);
    body?.push(Buffer.from("1]}"));
    expect(await body?.end()).toMatchObject({ ok: false, problem: "too_many_elements" });
    expect((await stream(workers, Buffer.from(`{"a":${"[".repeat(9)}${"]".repeat(9)}}`))).outcome).toMatchObject({ ok: false, problem: "too_deep" });
    // Strings are skipped: brackets and commas inside them count for nothing.
    expect((await stream(workers, Buffer.from(JSON.stringify({ a: "[,".repeat(50_000) })), 777)).outcome).toEqual({ ok: true, value: { a: "[,".repeat(50_000) } });
  });

  it("drop an aborted body, and refuse new bodies once closed", async () => {
    pool = createJsonParseWorkers({ threads: 1 });
    const body = pool.open(limits, 16, () => undefined);
    body?.push(Buffer.from('{"a":'));
    body?.abort();
    expect((await stream(pool, Buffer.from('{"b":2}'))).outcome).toEqual({ ok: true, value: { b: 2 } });
    const pending = pool.open(limits, 16, () => undefined);
    pending?.push(Buffer.from('{"c":3}'));
    const ended = pending?.end();
    await pool.close();
    // Ended before the close: its answer came, or the close failed it; never a hang.
    expect(["ok", "worker_failed"]).toContain(await ended?.then((outcome) => (outcome.ok ? "ok" : outcome.problem)));
    expect(pool.open(limits, 16, () => undefined)).toBeUndefined();
  });
});
