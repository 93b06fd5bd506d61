import { describe, expect, it } from "vitest";
import { createTrafficSplit } from "../../src/registry/traffic-split.js";
import { compileVersionTransform } from "../../src/registry/apply-version-spec.js";
import { versionSpecHash, versionSpecSchema } from "../../src/registry/version-spec.js";

describe("traffic split", () => {
  it("gives a 10% canary 10% ± 2 of 5,000 distinct users, the same draw every time", () => {
    const split = createTrafficSplit([
      { target: "canary", weight: 10 },
      { target: "prod", weight: 90 },
    ]);
    const users = Array.from({ length: 5000 }, (_, index) => `user:user-${index}`);
    const picks = users.map((user) => split.pick("story", user));
    const share = picks.filter((pick) => pick === "canary").length / users.length;
    expect(share).toBeGreaterThanOrEqual(0.08);
    expect(share).toBeLessThanOrEqual(0.12);
    expect(users.map((user) => split.pick("story", user))).toEqual(picks);
  });

  it("only moves users onto the canary when its weight grows", () => {
    const small = createTrafficSplit([
      { target: "canary", weight: 5 },
      { target: "prod", weight: 95 },
    ]);
    const large = createTrafficSplit([
      { target: "canary", weight: 25 },
      { target: "prod", weight: 75 },
    ]);
    for (let index = 0; index < 2000; index++) {
      if (small.pick("story", `user:${index}`) === "canary") expect(large.pick("story", `user:${index}`)).toBe("canary");
    }
  });
});

describe("version transform", () => {
  const spec = versionSpecSchema.parse({
    deployments: [{ provider: "openai-compatible", base_url: "http://127.0.0.1:9/v1" }],
    defaults: { temperature: 0.2, max_tokens: 64 },
    system_prompt: "Be brief.",
    prompt_template: "Q: {{prompt}}\nA:",
  });
  const transform = compileVersionTransform(spec);

  it("fills defaults the request left out and keeps the client's own", () => {
    const out = transform({ operation: "chat", body: { model: "m", temperature: 1, messages: [{ role: "user", content: "hi" }] } });
    expect(out.body).toMatchObject({ temperature: 1, max_tokens: 64 });
    expect(out.body["messages"]).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "hi" },
    ]);
  });

  it("keeps a client's system message and templates completion prompts", () => {
    const chat = transform({ operation: "chat", body: { model: "m", messages: [{ role: "system", content: "mine" }] } });
    expect(chat.body["messages"]).toEqual([{ role: "system", content: "mine" }]);
    expect(transform({ operation: "completion", body: { model: "m", prompt: "2+2?" } }).body["prompt"]).toBe("Q: 2+2?\nA:");
  });

  it("passes requests through untouched for a version with no defaults or prompt", () => {
    const request = { operation: "chat" as const, body: { model: "m", messages: [] } };
    expect(compileVersionTransform(versionSpecSchema.parse({ deployments: spec.deployments }))(request)).toBe(request);
  });

  it("hashes equal specs alike whatever their key order", () => {
    const a = versionSpecSchema.parse({ deployments: spec.deployments, metadata: { a: 1, b: 2 } });
    const b = versionSpecSchema.parse({ metadata: { b: 2, a: 1 }, deployments: spec.deployments });
    expect(versionSpecHash(a)).toBe(versionSpecHash(b));
  });
});
