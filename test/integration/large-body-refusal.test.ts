import { Readable } from "node:stream";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

// A hostile 4 MiB body is refused by the chunk-by-chunk pre-scan while it is still arriving. The client must still
// read its 4xx (not a reset), and its keep-alive connection must not be left stuck on the unread rest.

let upstream: FakeUpstream;
let gateway: RunningGateway;
const agent = new Agent({ connections: 1 });

beforeAll(async () => {
  upstream = await startFakeUpstream({ record: false });
  gateway = await startTestGateway(upstreamConfig([upstream.baseUrl]));
});
afterAll(async () => {
  await agent.close();
  await gateway.close();
  await upstream.close();
});

const tokenIds = Buffer.from(`{"model":"story","prompt":[${Array.from({ length: 2_000_000 }, () => "7").join(",")}]}`);
const deep = Buffer.from(`{"model":"story","messages":[{"role":"user","content":"x"}],"x":${"[".repeat(100)}${"]".repeat(100)},"pad":"${"x".repeat(3 * 1024 * 1024)}"}`);

/** The body as 64 KiB chunks from a stream: sent chunked, without a Content-Length. */
function chunked(bytes: Buffer): Readable {
  return Readable.from((function* () {
    for (let at = 0; at < bytes.length; at += 65_536) yield bytes.subarray(at, at + 65_536);
  })());
}

async function post(path: string, body: Buffer | Readable): Promise<{ status: number; code: string | undefined }> {
  const response = await request(`${gateway.url}${path}`, { method: "POST", dispatcher: agent, headers: { "content-type": "application/json" }, body });
  const answer = (await response.body.json()) as { error?: { code?: string } };
  return { status: response.statusCode, code: answer.error?.code };
}

describe("a hostile body refused while it arrives", () => {
  it.each([
    ["with Content-Length", (): Buffer => tokenIds],
    ["chunked", (): Readable => chunked(tokenIds)],
  ])("too many elements, %s: 400 too_many_elements, then the same connection serves the next request", async (_name, body) => {
    expect(await post("/v1/completions", body())).toEqual({ status: 400, code: "too_many_elements" });
    expect(await post("/v1/chat/completions", Buffer.from('{"model":"story","messages":[{"role":"user","content":"hi"}]}'))).toEqual({ status: 200, code: undefined });
  });

  it("too deep, ahead of 3 MiB of string: 400 nesting_too_deep", async () => {
    expect(await post("/v1/chat/completions", chunked(deep))).toEqual({ status: 400, code: "nesting_too_deep" });
    expect(await post("/v1/chat/completions", Buffer.from('{"model":"story","messages":[{"role":"user","content":"hi"}]}'))).toEqual({ status: 200, code: undefined });
  });
});
