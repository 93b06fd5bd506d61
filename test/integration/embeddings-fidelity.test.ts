import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, fakeEmbedding, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

let upstream: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startTestGateway(`models:
  - name: as-sent
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }
  - name: unit
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny, normalize: true }
`);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const norm = (vector: readonly number[]): number => Math.hypot(...vector);

describe("embeddings", () => {
  it("empty strings and empty arrays get a 400 naming the index", async () => {
    const cases: [OpenAI.EmbeddingCreateParams["input"], string, string][] = [
      ["", "input", "input: empty string"],
      [[], "input", "input: empty array"],
      [["a", "b", ""], "input[2]", "input[2]: empty string"],
      [[[1, 2], []], "input[1]", "input[1]: empty array"],
    ];
    for (const [input, param, message] of cases) {
      const error = (await client.embeddings.create({ model: "as-sent", input }).catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.BadRequestError>;
      expect([error.status, error.param, error.message]).toEqual([400, param, `400 ${message}`]);
    }
  });

  it("an openai-compatible upstream's vectors pass as sent, unless the deployment sets normalize: true", async () => {
    const sent = await client.embeddings.create({ model: "as-sent", input: "hello" });
    // The SDK asks for base64 and decodes it; the fake upstream's vectors are float32 values.
    expect(sent.data[0]?.embedding).toEqual(Array.from(new Float32Array(fakeEmbedding(JSON.stringify("hello")))));
    for (const encoding_format of ["float", "base64"] as const) {
      const unit = await client.embeddings.create({ model: "unit", input: ["hello", "world"], encoding_format });
      const vectors = unit.data.map((item) => (typeof item.embedding === "string" ? Array.from(new Float32Array(new Uint8Array(Buffer.from(item.embedding, "base64")).buffer)) : item.embedding));
      for (const vector of vectors) expect(norm(vector)).toBeCloseTo(1, 5);
    }
  });
});
