import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";
import { parseConfig } from "../../src/config/load-config.js";
import type { RunningGateway } from "../../src/main.js";

const directory = mkdtempSync(join(tmpdir(), "gantry-rules-"));
const faqFile = join(directory, "faq.yaml");
const strictFile = join(directory, "strict.yaml");
writeFileSync(
  faqFile,
  `rules:
  - exact: "What are your opening hours?"
    answer: "We are open nine to five."
  - regex: "order (\\\\d+)"
    answer: "Order {{match.1}} is on its way."
  - keywords: [refund, "money back"]
    answer: "Refunds take five days."
  - faq: ["how do I reset my password"]
    answer: "Use the reset link."
default: "Sorry, our models are busy right now."
`,
);
writeFileSync(strictFile, `rules:\n  - exact: "ping"\n    answer: "pong"\n`);

let primary: FakeUpstream[];
let backup: FakeUpstream;
let fastModel: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  primary = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
  backup = await startFakeUpstream();
  fastModel = await startFakeUpstream();
  for (const replica of [...primary, backup]) replica.defaultBehavior = { kind: "status", status: 503 };
  const deployment = (upstream: FakeUpstream): string => `      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }`;
  gateway = await startTestGateway(`models:
  - name: chat
    fallbacks: [backup, faq]
    retry: { max_attempts: 2, base_delay_ms: 1 }
    deployments:
${primary.map(deployment).join("\n")}
  - name: backup
    deployments:
${deployment(backup)}
  - name: faq
    deployments:
      - { provider: rules, rules_file: "${faqFile}" }
  - name: strict
    deployments:
      - { provider: rules, rules_file: "${strictFile}" }
  - name: assistant
    fast_path: { rules_file: "${faqFile}" }
    deployments:
${deployment(fastModel)}
`);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([...primary, backup, fastModel].map((upstream) => upstream.close()));
});

describe("fallback chain down to the rules provider", () => {
  it("all replicas down: the chain ends at the rules model, and the headers say so", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "chat", messages: [{ role: "user", content: "where is my order 4711?" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Order 4711 is on its way.");
    expect(response.headers.get("x-gantry-model")).toBe("faq");
    expect(response.headers.get("x-gantry-deployment")).toBe("faq/0");
    expect(response.headers.get("x-gantry-fallback")).toBe("true");
    // Two on the primary, one on the backup, one rules answer.
    expect(response.headers.get("x-gantry-attempts")).toBe("4");
    expect(backup.calls.length).toBeGreaterThanOrEqual(1);
  });

  it("streams the rules answer word by word like a model, with usage when asked", async () => {
    const stream = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "I want my money back" }], stream: true, stream_options: { include_usage: true } });
    const pieces: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) pieces.push(content);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces.join("")).toBe("Refunds take five days.");
    expect(pieces.length).toBe(4);
    expect(usage?.completion_tokens).toBe(4);
  });

  it("embeddings on a chain ending in rules: the rules model is skipped and the primary's error surfaces", async () => {
    const error = (await client.embeddings.create({ model: "chat", input: "hello" }).catch((caught: unknown) => caught)) as { status?: number; code?: string };
    expect(error.status).toBe(503);
    expect(error.code).toBe("upstream_unavailable");
  });

  it("no rule matches: the default answer; without a default, a clear 503", async () => {
    const fallback = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "tell me a story" }] });
    expect(fallback.choices[0]?.message.content).toBe("Sorry, our models are busy right now.");
    const response = await request(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "strict", messages: [{ role: "user", content: "hello" }] }) });
    const body = (await response.body.json()) as { error: { code: string } };
    expect([response.statusCode, body.error.code]).toEqual([503, "no_rule_matched"]);
  });
});

describe("rules fast path", () => {
  it("answers a matching question without calling the model, and passes the rest through", async () => {
    const { data, response } = await client.chat.completions.create({ model: "assistant", messages: [{ role: "user", content: "what are your opening hours" }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe("We are open nine to five.");
    expect(response.headers.get("x-gantry-deployment")).toBe("assistant/fast-path");
    expect(response.headers.get("x-gantry-attempts")).toBe("0");
    const faq = await client.chat.completions.create({ model: "assistant", messages: [{ role: "user", content: "How do I reset my password?" }], stream: true });
    let text = "";
    for await (const chunk of faq) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Use the reset link.");
    expect(fastModel.calls.length).toBe(0);
    // The default answer is for the last resort only, never the fast path.
    const passed = await client.chat.completions.create({ model: "assistant", messages: [{ role: "user", content: "tell me a story" }] });
    expect(passed.choices[0]?.message.content).toContain("little fox");
    expect(fastModel.calls.length).toBe(1);
  });
});

describe("routing config validation", () => {
  it("rejects unknown and self-referencing fallbacks and unknown strategies", () => {
    const yaml = (extra: string): string => `models:\n  - name: a\n${extra}\n    deployments: [{ provider: rules, rules_file: x.yaml }]\n`;
    expect(() => parseConfig(yaml("    fallbacks: [a, nope]"), {}, "test")).toThrow(/fallbacks\[0\]: a model cannot fall back to itself[\s\S]*fallbacks\[1\]: unknown model "nope"/);
    expect(() => parseConfig(yaml("    routing: { strategy: fastest }"), {}, "test")).toThrow(/routing\.strategy/);
    expect(() => parseConfig(yaml("    retry: { attempts: 2 }"), {}, "test")).toThrow(/retry\.attempts: unknown key/);
  });
});
