import { describe, expect, it } from "vitest";
import { boundedJson } from "../../src/telemetry/bounded-json.js";
import { capBytes, capText } from "../../src/telemetry/cap-text.js";

/** A small deterministic PRNG, so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

const alphabet = ["a", "Z", " ", '"', "\\", "\n", "\u0001", "é", "€", "中", "😀", "\u2028", "\ud800"];

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 5 : 8));
  const text = (): string => Array.from({ length: Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
  switch (pick) {
    case 0:
      return text();
    case 1:
      return Math.round((next() - 0.5) * 1e6) / 100;
    case 2:
      return next() < 0.5;
    case 3:
      return null;
    case 4:
      return next() < 0.5 ? Number.NaN : undefined;
    case 5:
    case 6:
      return Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, () => [text(), randomValue(next, depth + 1)]));
    default:
      return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth + 1));
  }
}

describe("boundedJson", () => {
  it("equals the capped full serialisation at every cap, for random JSON data", () => {
    const next = random(12);
    for (let round = 0; round < 300; round++) {
      const value = { model: "m", body: randomValue(next, 0) };
      const full = JSON.stringify(value);
      const length = Buffer.byteLength(full);
      for (let cap = 0; cap <= length + 2; cap++) expect(boundedJson(value, cap)).toBe(capText(full, cap));
    }
  });

  it("reads only as much of a huge body as the cap needs", () => {
    let reads = 0;
    const messages = new Proxy(
      Array.from({ length: 20_000 }, (_unused, index) => ({ role: "user", content: `message ${index} ${"x".repeat(500)}` })),
      {
        get(target, property, receiver) {
          if (typeof property === "string" && /^\d+$/.test(property)) reads++;
          return Reflect.get(target, property, receiver) as unknown;
        },
      },
    );
    const logged = boundedJson({ model: "m", messages }, 4096);
    expect(reads).toBeLessThan(12);
    expect(logged).toBe(capText(JSON.stringify({ model: "m", messages: messages.slice(0, 10) }), 4096));
  });
});

describe("capBytes", () => {
  it("cuts UTF-8 bytes on a character boundary and decodes only the prefix", () => {
    const bytes = Buffer.from("ab€😀c", "utf8");
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((cap) => capBytes(bytes, cap))).toEqual(["", "a", "ab", "ab", "ab", "ab€", "ab€", "ab€", "ab€", "ab€😀", "ab€😀c"]);
  });
});
