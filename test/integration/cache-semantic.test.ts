import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

let upstream: FakeUpstream;
let embedder: FakeUpstream;
let gateway: RunningGateway;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  // Bag-of-words vectors: paraphrases (and, deliberately, negations and other numbers) embed identically.
  embedder = await startFakeUpstream({ embedding: "bag-of-words" });
  gateway = await startTestGateway(
    `models:\n  - name: story\n    cache: { mode: semantic, embedding_model: embedder, threshold: 0.95 }\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }\n` +
      `  - name: embedder\n    deployments:\n      - { provider: openai-compatible, base_url: "${embedder.baseUrl}", upstream_model: bow }\n`,
  );
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await embedder.close();
});

async function ask(content: string, extra: Record<string, unknown> = {}): Promise<string | null> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "story", messages: [{ role: "user", content }], temperature: 0, ...extra }) });
  await response.text();
  expect(response.status).toBe(200);
  return response.headers.get("x-gantry-cache");
}

describe("semantic cache", () => {
  it("answers a paraphrase from the cache, through the embedding model's routing", async () => {
    const calls = upstream.calls.length;
    expect(await ask("Is Paris safe at night?")).toBe("miss");
    expect(await ask("is Paris safe at night")).toBe("semantic-hit");
    expect(await ask("Is Paris safe at night?")).toBe("hit");
    expect(upstream.calls.length - calls).toBe(1);
    expect(embedder.calls.filter((call) => call.path === "/v1/embeddings").length).toBeGreaterThanOrEqual(2);
  });

  it("does not answer a negated question with the plain one's answer (guard), though the vectors are equal", async () => {
    expect(await ask("Is Lyon safe for tourists?")).toBe("miss");
    expect(await ask("Is Lyon not safe for tourists?")).toBe("miss");
    // Same polarity as the negated question: that one's answer is the right one.
    expect(await ask("Isn't Lyon safe for tourists?")).toBe("semantic-hit");
  });

  it("numbers and named entities must match too", async () => {
    expect(await ask("Give me 2 tips for visiting Rome")).toBe("miss");
    expect(await ask("Give me 3 tips for visiting Rome")).toBe("miss");
    expect(await ask("Give me 2 tips for visiting Milan")).toBe("miss");
    expect(await ask("give me 2 tips for visiting Rome!")).toBe("semantic-hit");
  });

  it("other parameters must match exactly: a paraphrase with another max_tokens is a miss", async () => {
    expect(await ask("Describe the Louvre museum please", { max_tokens: 5 })).toBe("miss");
    expect(await ask("describe the Louvre museum, please", { max_tokens: 6 })).toBe("miss");
    expect(await ask("describe the Louvre museum, please", { max_tokens: 5 })).toBe("semantic-hit");
  });
});
