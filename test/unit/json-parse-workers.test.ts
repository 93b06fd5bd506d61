import { afterEach, describe, expect, it } from "vitest";
import { createJsonParseWorkers, type JsonParseWorkers } from "../../src/http/json-parse-workers.js";

/** Bytes in shared memory, as the body reader hands large bodies to the pool. */
function shared(text: string | Buffer): Buffer {
  const source = typeof text === "string" ? Buffer.from(text) : text;
  const bytes = Buffer.from(new SharedArrayBuffer(source.length));
  source.copy(bytes);
  return bytes;
}

let pool: JsonParseWorkers | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe("JSON parse workers", () => {
  it("parse a large UTF-8 body on a worker into the same value as JSON.parse", async () => {
    pool = createJsonParseWorkers({ threads: 2 });
    const value = { model: "m", messages: Array.from({ length: 64 }, (_, index) => ({ role: "user", content: `héllo ${index} ${"x".repeat(60_000)} ✓` })) };
    const outcomes = await Promise.all([1, 2, 3].map(() => pool?.decode(shared(JSON.stringify(value)))));
    for (const outcome of outcomes) expect(outcome).toEqual({ ok: true, value });
  });

  it("drop a leading byte-order mark and refuse malformed UTF-8 and malformed JSON", async () => {
    pool = createJsonParseWorkers({ threads: 1 });
    expect(await pool.decode(shared(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')])))).toEqual({ ok: true, value: { a: 1 } });
    expect(await pool.decode(shared(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])))).toMatchObject({ ok: false, problem: "invalid_encoding" });
    expect(await pool.decode(shared('{"a":'))).toMatchObject({ ok: false, problem: "invalid_json" });
  });

  it("parse bytes outside shared memory, and after close, on the calling thread", async () => {
    pool = createJsonParseWorkers({ threads: 1 });
    expect(await pool.decode(Buffer.from('{"b":2}'))).toEqual({ ok: true, value: { b: 2 } });
    await pool.close();
    expect(await pool.decode(shared('{"c":3}'))).toEqual({ ok: true, value: { c: 3 } });
  });
});
