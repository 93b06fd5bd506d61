import { describe, expect, it } from "vitest";
import { createStopMatcher } from "../../src/engine/stop-matcher.js";
import { createTrailingWhitespaceTrimmer } from "../../src/engine/trailing-whitespace.js";
import { createIncrementalDetokenizer } from "../../src/engine/incremental-detokenizer.js";

function run(stops: string[], pieces: string[]): { sent: string; stopped: boolean } {
  const matcher = createStopMatcher(stops);
  let sent = "";
  for (const piece of pieces) {
    const match = matcher.push(piece);
    sent += match.emit;
    if (match.stopped) return { sent, stopped: true };
  }
  return { sent: sent + matcher.flush(), stopped: false };
}

describe("stop matcher", () => {
  it("passes text through without stops", () => {
    expect(run([], ["a", "b"])).toEqual({ sent: "ab", stopped: false });
  });

  it("cuts at a stop string split across pieces and never sends its start", () => {
    const matcher = createStopMatcher(["### Human"]);
    expect(matcher.push("Hello #").emit).toBe("Hello ");
    expect(matcher.push("## Hu")).toEqual({ emit: "", stopped: false });
    expect(matcher.push("man\nmore")).toEqual({ emit: "", stopped: true });
  });

  it("releases held text that turned out not to be a stop", () => {
    expect(run(["END"], ["the E", "nd", " of it"])).toEqual({ sent: "the End of it", stopped: false });
    expect(run(["END"], ["x E"])).toEqual({ sent: "x E", stopped: false });
  });

  it("stops at the earliest of several stops", () => {
    expect(run(["cat", "a c"], ["it was a cat"])).toEqual({ sent: "it was ", stopped: true });
  });
});

describe("trailing whitespace trimmer", () => {
  it("holds whitespace until text follows, and drops it at the end", () => {
    const trimmer = createTrailingWhitespaceTrimmer();
    expect(trimmer.push('{"a": 1')).toBe('{"a": 1');
    expect(trimmer.push(" \n")).toBe("");
    expect(trimmer.push("}")).toBe(" \n}");
    expect(trimmer.push("\n\n")).toBe("");
  });
});

describe("incremental detokenizer", () => {
  // A fake byte-level vocabulary: token n is byte n.
  const detokenize = (tokens: readonly number[]): string => Buffer.from(tokens).toString("utf8");

  it("holds the bytes of a multi-byte character until it is complete", () => {
    const detokenizer = createIncrementalDetokenizer((tokens) => detokenize(tokens), []);
    const bytes = [...Buffer.from("a€b")];
    expect(bytes.map((byte) => detokenizer.push(byte as never))).toEqual(["a", "", "", "€", "b"]);
    expect(detokenizer.flush()).toBe("");
  });

  it("gives up holding after four tokens so genuine replacement characters still flow", () => {
    const detokenizer = createIncrementalDetokenizer((tokens) => detokenize(tokens), []);
    const outputs = [0xe2, 0xe2, 0xe2, 0xe2].map((byte) => detokenizer.push(byte as never));
    expect(outputs.slice(0, 3)).toEqual(["", "", ""]);
    expect(outputs[3]).toContain("\uFFFD");
  });
});
