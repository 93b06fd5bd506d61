import { readFileSync } from "node:fs";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

// The README's run command serves examples/gantry.yaml from the repository root; this keeps that config working.
const root = new URL("../..", import.meta.url).pathname;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  process.chdir(root);
  gateway = await startTestGateway(readFileSync("examples/gantry.yaml", "utf8"));
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
  for (let tries = 0; tries < 100; tries++) {
    // The rules fallback is ready at once; wait for the engine too.
    const ready = (await (await fetch(`${gateway.url}/readyz`)).json()) as { deployments: { state: string }[] };
    if (ready.deployments.every((deployment) => deployment.state === "ready")) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
afterAll(() => gateway.close());

describe("the quick-start config (examples/gantry.yaml)", () => {
  it("answers chat from the embedded model, streamed and not", async () => {
    const answer = await client.chat.completions.create({ model: "story", messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 24, seed: 1 });
    expect(answer.choices[0]?.message.content?.trim().length).toBeGreaterThan(10);
    const stream = await client.chat.completions.create({ model: "story", messages: [{ role: "user", content: "Tell me a story" }], max_tokens: 16, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.trim().length).toBeGreaterThan(5);
  });

  it("answers questions about Gantry from the rules fast path", async () => {
    const response = await client.chat.completions.create({ model: "story", messages: [{ role: "user", content: "What is Gantry?" }] }).withResponse();
    expect(response.data.choices[0]?.message.content).toContain("OpenAI-compatible");
    expect(response.response.headers.get("x-gantry-deployment")).toBe("story/fast-path");
  });

  it("serves embeddings from the same model", async () => {
    const embeddings = await client.embeddings.create({ model: "story", input: "a little fox" });
    expect(embeddings.data[0]?.embedding.length).toBe(160);
  });
});
