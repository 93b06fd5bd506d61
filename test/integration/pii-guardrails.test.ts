import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/main.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";

let upstream: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const model = (name: string, guardrails: string): string => `  - name: ${name}\n    guardrails: { pii: ${guardrails} }\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }\n`;
  const yaml = `models:\n${model("redact", "{ mode: redact, restore: true }")}${model("block", "{ mode: block, entities: [email, credit_card] }")}${model("scrub", "{ mode: redact, output: true }")}${model("both", "{ mode: redact, output: true, restore: true }")}`;
  gateway = await startTestGateway(yaml);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const lastUpstreamContent = (): string => JSON.stringify(upstream.calls.at(-1)?.body?.["messages"]);

describe("PII guardrails", () => {
  it("redacts before the model sees the request and restores the originals in the answer", async () => {
    upstream.enqueue({ kind: "ok", text: "I will write to <EMAIL_1> about card <CREDIT_CARD_1>." });
    const answer = await client.chat.completions.create({ model: "redact", messages: [{ role: "user", content: [{ type: "text", text: "I am jane@example.com, card 4111 1111 1111 1111" }] }] });
    expect(lastUpstreamContent()).toContain("<EMAIL_1>");
    expect(lastUpstreamContent()).toContain("<CREDIT_CARD_1>");
    expect(lastUpstreamContent()).not.toContain("jane@example.com");
    expect(answer.choices[0]?.message.content).toBe("I will write to jane@example.com about card 4111 1111 1111 1111.");
  });

  it("restores placeholders split across stream chunks", async () => {
    upstream.enqueue({ kind: "ok", text: "Hello <EMAIL_1> , bye" });
    const stream = await client.completions.create({ model: "redact", prompt: "hi jane@example.com", stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    expect(JSON.stringify(upstream.calls.at(-1)?.body?.["prompt"])).toBe('"hi <EMAIL_1>"');
    expect(text).toBe("Hello jane@example.com , bye");
  });

  it("blocks with 400 pii_detected naming the types, and passes clean requests", async () => {
    const error = await client.chat.completions.create({ model: "block", messages: [{ role: "user", content: "mail a@b.io card 4111111111111111" }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("pii_detected");
    expect((error as Error).message).toContain("email, credit_card");
    const ok = await client.chat.completions.create({ model: "block", messages: [{ role: "user", content: "ssn 123-45-6789 is not in the list" }] });
    expect(ok.choices[0]?.message.content).toBeTruthy();
  });

  it("redacts PII the model writes, across stream chunk boundaries", async () => {
    upstream.enqueue({ kind: "ok", text: "Call +1 415 555 2671 or pay with 4111 1111 1111 1111 today, thanks" });
    const stream = await client.chat.completions.create({ model: "scrub", messages: [{ role: "user", content: "hi" }], stream: true });
    let text = "";
    let chunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      chunks++;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text).toBe("Call <PHONE_1> or pay with <CREDIT_CARD_1> today, thanks");
  });

  it("with output redaction and restore, gives the client its own values back but not the model's", async () => {
    upstream.enqueue({ kind: "ok", text: "Yours: <EMAIL_1> ; mine: other@corp.example" });
    const answer = await client.chat.completions.create({ model: "both", messages: [{ role: "user", content: "me: jane@example.com" }] });
    expect(answer.choices[0]?.message.content).toBe("Yours: jane@example.com ; mine: <EMAIL_2>");
  });

  it("redacts embeddings input", async () => {
    await client.embeddings.create({ model: "redact", input: ["jane@example.com", "plain"] });
    expect(upstream.calls.at(-1)?.body?.["input"]).toEqual(["<EMAIL_1>", "plain"]);
  });
});
