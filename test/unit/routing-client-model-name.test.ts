import { describe, expect, it } from "vitest";
import { chunkWithClientModel, withClientModel } from "../../src/routing/client-model-name.js";

describe("answers carry the client's model name", () => {
  it("rewrites the body and swaps the name in the upstream's exact bytes", () => {
    const raw = '{"id":"x","model":"internal/v3","choices":[{"message":{"content":"say \\"model\\":\\"internal/v3\\""}}]}';
    const result = withClientModel({ body: JSON.parse(raw) as Record<string, unknown>, raw }, "story");
    expect(result.body["model"]).toBe("story");
    expect(result.raw).toBe(raw.replace('"model":"internal/v3"', '"model":"story"'));
    expect(JSON.parse(result.raw ?? "")).toEqual(result.body);
  });

  it("drops bytes it cannot rewrite in place, and leaves a matching answer alone", () => {
    const spaced = { body: { model: "tiny" }, raw: '{ "model": "tiny" }' };
    expect(withClientModel(spaced, "story")).toEqual({ body: { model: "story" } });
    const same = { body: { model: "story" }, raw: '{"model":"story"}' };
    expect(withClientModel(same, "story")).toBe(same);
  });

  it("rewrites stream chunks, keeping their flags", () => {
    const part = { type: "chunk" as const, chunk: { model: "tiny", choices: [] }, raw: '{"model":"tiny","choices":[]}', internalUsage: true };
    expect(chunkWithClientModel(part, "story")).toEqual({ type: "chunk", chunk: { model: "story", choices: [] }, raw: '{"model":"story","choices":[]}', internalUsage: true });
  });
});
