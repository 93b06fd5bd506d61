import { describe, expect, it } from "vitest";
import { BenchUsageError, parseBenchOptions, parseSweep } from "../../src/bench/bench-options.js";

describe("gantry bench options", () => {
  it("has vLLM-like defaults", () => {
    const options = parseBenchOptions([]);
    expect(options).toMatchObject({
      baseUrl: "http://127.0.0.1:4000/v1",
      endpoint: "chat",
      numPrompts: 1000,
      requestRate: Infinity,
      burstiness: 1,
      maxConcurrency: undefined,
      dataset: "random",
      inputLen: 1024,
      outputLen: undefined,
      percentiles: [90, 95, 99],
      slo: {},
      timeoutS: 300,
    });
  });

  it("takes --goodput as several words, and the API key from the environment", () => {
    const options = parseBenchOptions(["--goodput", "ttft:500", "tpot:50", "--request-rate", "4", "--goodput=e2el:3000"], { OPENAI_API_KEY: "sk-test" });
    expect(options.slo).toEqual({ ttftMs: 500, tpotMs: 50, e2elMs: 3000 });
    expect(options.requestRate).toBe(4);
    expect(options.apiKey).toBe("sk-test");
  });

  it("parses sweeps, sorted and de-duplicated", () => {
    expect(parseSweep("request-rate=8,1,2,2")).toEqual({ parameter: "request-rate", values: [1, 2, 8] });
    expect(parseSweep("max-concurrency=4,1")).toEqual({ parameter: "max-concurrency", values: [1, 4] });
    expect(() => parseSweep("max-concurrency=1.5")).toThrow(BenchUsageError);
    expect(() => parseSweep("temperature=1")).toThrow(BenchUsageError);
  });

  it.each([
    [["--endpoint", "embeddings"], /--endpoint/],
    [["--dataset", "file"], /dataset-path/],
    [["--request-rate", "0"], /request-rate/],
    [["--duration", "10"], /max-concurrency/],
    [["--range-ratio", "1"], /range-ratio/],
    [["--percentiles", "50,101"], /percentiles/],
    [["--goodput"], /goodput/],
    [["--goodput", "itl:3"], /goodput/],
    [["--plot", "out.jpg"], /plot/],
    [["--no-such-flag"], /no-such-flag/],
  ])("rejects %j", (argv, message) => {
    expect(() => parseBenchOptions(argv)).toThrow(message);
  });

  it("accepts --duration with a finite rate or a concurrency limit", () => {
    expect(parseBenchOptions(["--duration", "5", "--request-rate", "2"]).durationS).toBe(5);
    expect(parseBenchOptions(["--duration", "5", "--max-concurrency", "2"]).maxConcurrency).toBe(2);
  });
});
