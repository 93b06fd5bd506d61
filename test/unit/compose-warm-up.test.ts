import { describe, expect, it } from "vitest";
import { warmUpHttp, warmUpSamples, warmUpValidators } from "../../src/compose/warm-up.js";

describe("startup warm-up", () => {
  it("warms every request schema with a body it accepts, so the success path is the one compiled", () => {
    expect(warmUpSamples.length).toBeGreaterThanOrEqual(5);
    for (const [schema, body] of warmUpSamples) expect(schema.safeParse(body).error).toBeUndefined();
    expect(() => warmUpValidators({ maxDepth: 64, maxElements: 300_000 })).not.toThrow();
  });

  it("answers its loopback requests from its private server", async () => {
    await expect(warmUpHttp()).resolves.toBeUndefined();
  });
});
