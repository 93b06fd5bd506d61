import { describe, expect, it } from "vitest";
import { encodeJsonBody } from "../../src/providers/openai-compatible/encode-json-body.js";

/** The encoded body's bytes, however they came. */
async function bytesOf(value: unknown): Promise<Buffer> {
  const encoded = encodeJsonBody(value);
  return typeof encoded === "string" ? Buffer.from(encoded) : Buffer.concat(await encoded);
}

const large = (unit: string, length: number): string => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

describe("encodeJsonBody", () => {
  it("returns JSON.stringify's own string for bodies without large strings", () => {
    const body = { model: "m", messages: [{ role: "user", content: "hé \"quoted\" \n" }], n: 1, skip: undefined };
    expect(encodeJsonBody(body)).toBe(JSON.stringify(body));
  });

  it.each([
    ["a base64 data URL", `data:image/png;base64,${large("iVBORw0KGgo+/", 600_000)}`],
    ["text that needs escaping", large('line "one"\\\n\ttab \u0001 ', 700_000)],
    ["non-ASCII text", large("héllo wörld ✓ ", 300_000)],
    // 😀 is a surrogate pair; this length puts a pair across every slice boundary, and a lone surrogate at the end.
    ["surrogate pairs across slice boundaries, and a lone one", `${large("😀", 262_145)}\ud800`],
  ])("writes a body holding %s as exactly JSON.stringify's bytes, in pieces", async (_name, text) => {
    const body = {
      model: "m",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url: text, detail: "low" } }, undefined] },
      ],
      tools: [],
      omitted: undefined,
      fn: () => 1,
      stop: [text, null, Number.NaN, 1.5, true],
    };
    const encoded = encodeJsonBody(body);
    expect(typeof encoded).not.toBe("string");
    expect((await bytesOf(body)).equals(Buffer.from(JSON.stringify(body)))).toBe(true);
  });

  it("handles a large string as the whole value", async () => {
    const text = large("abc", 300_000);
    expect((await bytesOf(text)).toString()).toBe(JSON.stringify(text));
  });
});
