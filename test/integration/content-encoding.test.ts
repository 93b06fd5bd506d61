import { brotliCompressSync, constants, createGzip, deflateSync, gzipSync } from "node:zlib";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

const bodyLimitBytes = 4 * 1024 * 1024;
let upstream: FakeUpstream;
let gateway: RunningGateway;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startTestGateway(upstreamConfig([upstream.baseUrl], `server: { body_limit_bytes: ${bodyLimitBytes} }`).replace("server: { shutdown_grace_ms: 2000 }\n", ""));
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const chat = JSON.stringify({ model: "story", messages: [{ role: "user", content: "hi" }] });

async function post(body: Buffer | string, encoding?: string): Promise<{ status: number; json: { error?: { code: string; message: string }; choices?: { message: { content: string } }[] } }> {
  const headers: Record<string, string> = { "content-type": "application/json", ...(encoding === undefined ? {} : { "content-encoding": encoding }) };
  const response = await request(`${gateway.url}/v1/chat/completions`, { method: "POST", body, headers });
  return { status: response.statusCode, json: (await response.body.json()) as never };
}

/** Runs a full garbage collection, so RSS shows what is retained rather than what is not yet collected. */
const collectGarbage = ((): (() => void) => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/** 100 MB of spaces (valid JSON whitespace) gzipped as a stream, so the test itself never holds 100 MB. */
async function gzipBomb(): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on("data", (part: Buffer) => parts.push(part));
  const done = new Promise((resolve) => gzip.on("end", resolve));
  const block = Buffer.alloc(1024 * 1024, " ");
  for (let written = 0; written < 100; written++) if (!gzip.write(block)) await new Promise((resolve) => gzip.once("drain", resolve));
  gzip.end();
  await done;
  return Buffer.concat(parts);
}

describe("compressed request bodies", () => {
  it("gzip, deflate and br bodies round trip; identity is accepted by name", async () => {
    for (const [encoding, body] of [["gzip", gzipSync(chat)], ["deflate", deflateSync(chat)], ["br", brotliCompressSync(chat)], ["identity", Buffer.from(chat)]] as const) {
      const answer = await post(body, encoding);
      expect([encoding, answer.status]).toEqual([encoding, 200]);
      expect(answer.json.choices?.[0]?.message.content).toContain("little fox");
    }
  });

  it("fetch with a gzip body works too", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: gzipSync(chat), headers: { "content-type": "application/json", "content-encoding": "gzip" } });
    expect(response.status).toBe(200);
  });

  it("an unknown encoding is a 415, and a body that does not decode is a 400", async () => {
    const unknown = await post(chat, "zstd");
    expect([unknown.status, unknown.json.error?.code]).toEqual([415, "unsupported_encoding"]);
    const plainAsBrotli = await post(chat, "br");
    expect([plainAsBrotli.status, plainAsBrotli.json.error?.code]).toEqual([400, "invalid_encoding"]);
    const plainAsGzip = await post(chat, "gzip");
    expect([plainAsGzip.status, plainAsGzip.json.error?.code]).toEqual([400, "invalid_encoding"]);
  });

  it("a gzip bomb that expands to 100 MB gets 413, and memory grows by less than the body limit", async () => {
    const bomb = await gzipBomb();
    expect(bomb.length).toBeLessThan(bodyLimitBytes / 8);
    const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
    collectGarbage();
    const start = process.memoryUsage().rss;
    const first = await post(bomb, "gzip");
    expect([first.status, first.json.error?.code]).toEqual([413, "body_too_large"]);
    const afterFirst = process.memoryUsage().rss;
    for (let round = 0; round < 5; round++) {
      collectGarbage();
      expect((await post(bomb, "gzip")).status).toBe(413);
    }
    const afterMore = process.memoryUsage().rss;
    console.log(`RSS: +${mib(afterFirst - start)} MiB for the first 100 MB bomb, +${mib(afterMore - afterFirst)} MiB for five more (limit ${mib(bodyLimitBytes)} MiB)`);
    // Reading stops at the limit: a bomb costs at most the limit's worth of buffered body (plus the
    // decoder's 32 KB window), and further bombs reuse that memory once it is collected instead of adding to it.
    expect(afterFirst - start).toBeLessThan(bodyLimitBytes);
    expect(afterMore - afterFirst).toBeLessThan(bodyLimitBytes);
  });

  it("a brotli bomb gets 413 too", async () => {
    const bomb = brotliCompressSync(Buffer.alloc(100 * 1024 * 1024, " "), { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
    const answer = await post(bomb, "br");
    expect([answer.status, answer.json.error?.code]).toEqual([413, "body_too_large"]);
  });
});
