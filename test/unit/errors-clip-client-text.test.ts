import { describe, expect, it } from "vitest";
import { clipClientText } from "../../src/errors/clip-client-text.js";

describe("clipClientText", () => {
  it("keeps short strings and clips long ones to 256 characters plus their size", () => {
    expect(clipClientText("gpt-4o")).toBe("gpt-4o");
    expect(clipClientText("a".repeat(256))).toBe("a".repeat(256));
    expect(clipClientText("a".repeat(1_000_000))).toBe(`${"a".repeat(256)}…(1000000 bytes)`);
    expect(clipClientText("é".repeat(300))).toBe(`${"é".repeat(256)}…(600 bytes)`);
  });

  it("never cuts a surrogate pair in half", () => {
    const clipped = clipClientText(`${"a".repeat(255)}${"😀".repeat(10)}`);
    expect(clipped).toBe(`${"a".repeat(255)}…(295 bytes)`);
  });
});
