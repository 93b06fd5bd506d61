import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

const directory = mkdtempSync(join(tmpdir(), "gantry-rules-fidelity-"));
const faqFile = join(directory, "faq.yaml");
writeFileSync(faqFile, `rules:\n  - exact: "What are your opening hours?"\n    answer: "We are open nine to five."\n`);
const question = [{ role: "user" as const, content: "What are your opening hours?" }];
const weather = { type: "function" as const, function: { name: "weather", parameters: { type: "object", properties: {} } } };

let model: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  model = await startFakeUpstream();
  const deployment = `      - { provider: openai-compatible, base_url: "${model.baseUrl}", upstream_model: tiny }`;
  gateway = await startTestGateway(`models:
  - name: assistant
    fast_path: { rules_file: "${faqFile}" }
    deployments:
${deployment}
  - name: lenient
    fast_path: { rules_file: "${faqFile}", serve_any: true }
    deployments:
${deployment}
  - name: faq
    deployments:
      - { provider: rules, rules_file: "${faqFile}" }
`);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await model.close();
});

async function answeredBy(request: OpenAI.ChatCompletionCreateParamsNonStreaming): Promise<{ deployment: string | null; completion: OpenAI.ChatCompletion }> {
  const { data, response } = await client.chat.completions.create(request).withResponse();
  return { deployment: response.headers.get("x-gantry-deployment"), completion: data };
}

describe("the fast path answers only what it can serve faithfully", () => {
  it("a rule-matching question with tools, response_format, logprobs or n > 1 goes to the model", async () => {
    const requests: OpenAI.ChatCompletionCreateParamsNonStreaming[] = [
      { model: "assistant", messages: question, tools: [weather] },
      { model: "assistant", messages: question, response_format: { type: "json_object" } },
      { model: "assistant", messages: question, logprobs: true },
      { model: "assistant", messages: question, n: 2 },
    ];
    for (const request of requests) {
      const before = model.calls.length;
      const { deployment } = await answeredBy(request);
      expect(deployment).toBe("assistant/0");
      expect(model.calls.length).toBe(before + 1);
    }
  });

  it("a stop or max_tokens that would cut the rule's answer goes to the model; one that would not is served by the rule", async () => {
    expect((await answeredBy({ model: "assistant", messages: question, stop: ["five"] })).deployment).toBe("assistant/0");
    expect((await answeredBy({ model: "assistant", messages: question, max_tokens: 3 })).deployment).toBe("assistant/0");
    const fits = await answeredBy({ model: "assistant", messages: question, stop: ["\n\n"], max_tokens: 50, response_format: { type: "text" } });
    expect(fits.deployment).toBe("assistant/fast-path");
    expect(fits.completion.choices[0]).toMatchObject({ message: { content: "We are open nine to five." }, finish_reason: "stop" });
  });

  it("with serve_any the rule answers, honouring stop and max_tokens with a truthful finish_reason", async () => {
    const stopped = await answeredBy({ model: "lenient", messages: question, stop: "five" });
    expect(stopped.deployment).toBe("lenient/fast-path");
    expect(stopped.completion.choices[0]).toMatchObject({ message: { content: "We are open nine to " }, finish_reason: "stop" });
    const cut = await answeredBy({ model: "lenient", messages: question, max_tokens: 3 });
    expect(cut.completion.choices[0]).toMatchObject({ message: { content: "We are open" }, finish_reason: "length" });
    expect(cut.completion.usage?.completion_tokens).toBe(3);
    const stream = await client.chat.completions.create({ model: "lenient", messages: question, max_tokens: 2, stream: true });
    let text = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect([text, finish]).toEqual(["We are", "length"]);
    // Tools still go to the model even with serve_any: no canned answer can call a tool.
    expect((await answeredBy({ model: "lenient", messages: question, tools: [weather] })).deployment).toBe("lenient/0");
  });
});

describe("the rules provider as a deployment", () => {
  it("refuses parameters it cannot honour with a 400 naming them", async () => {
    const error = (await client.chat.completions.create({ model: "faq", messages: question, tools: [weather] }).catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe("tools");
    expect(error.message).toMatch(/cannot honour tools/);
    const n = (await client.chat.completions.create({ model: "faq", messages: question, n: 3 }).catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(n.param).toBe("n");
  });

  it("cuts its answer to stop and max_tokens as a model would", async () => {
    const cut = await answeredBy({ model: "faq", messages: question, max_tokens: 4 });
    expect(cut.completion.choices[0]).toMatchObject({ message: { content: "We are open nine" }, finish_reason: "length" });
    const stopped = await answeredBy({ model: "faq", messages: question, stop: [" open"] });
    expect(stopped.completion.choices[0]).toMatchObject({ message: { content: "We are" }, finish_reason: "stop" });
  });
});
