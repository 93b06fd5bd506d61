import { describe, expect, it } from "vitest";
import { createCircuitBreaker } from "../../src/routing/circuit-breaker.js";
import type { DeploymentState } from "../../src/routing/deployment-state.js";
import { createOutlierEjection } from "../../src/routing/outlier-ejection.js";
import { createPeakEwma } from "../../src/routing/peak-ewma.js";
import { createLatencyStrategy } from "../../src/routing/strategies/latency.js";
import { createLeastOutstandingStrategy } from "../../src/routing/strategies/least-outstanding.js";
import { createPrefixAffinityStrategy } from "../../src/routing/strategies/prefix-affinity.js";
import { createRoundRobinStrategy } from "../../src/routing/strategies/round-robin.js";
import { createSessionStrategy } from "../../src/routing/strategies/session.js";
import type { Provider } from "../../src/pipeline/provider.js";

const clock = { now: () => 0 };

function states(weights: number[]): DeploymentState[] {
  return weights.map((weight, index) => ({
    deployment: { id: `m/${index}`, upstreamModel: "m", weight, provider: {} as Provider },
    index,
    breaker: createCircuitBreaker(undefined, clock),
    ejection: createOutlierEjection({ enabled: false, consecutive_failures: 2, base_ms: 5_000, max_ms: 60_000 }, clock, () => false),
    latency: createPeakEwma(10_000, clock),
    inFlight: 0,
  }));
}

function seeded(seed = 42): () => number {
  let state = seed;
  return () => ((state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
}

describe("routing strategies", () => {
  it("weighted round-robin follows weights exactly and interleaves (smooth)", () => {
    const candidates = states([5, 1, 1]);
    const strategy = createRoundRobinStrategy(3);
    const picks = Array.from({ length: 70 }, () => strategy.pick(candidates, undefined).index);
    expect([0, 1, 2].map((index) => picks.filter((pick) => pick === index).length)).toEqual([50, 10, 10]);
    expect(picks.slice(0, 7)).toEqual([0, 0, 1, 0, 2, 0, 0]);
  });

  it("least-outstanding picks the idlest and spreads ties", () => {
    const candidates = states([1, 1, 1]);
    const strategy = createLeastOutstandingStrategy(seeded());
    (candidates[0] as DeploymentState).inFlight = 3;
    const picks = new Set(Array.from({ length: 50 }, () => strategy.pick(candidates, undefined).index));
    expect(picks).toEqual(new Set([1, 2]));
  });

  it("latency (P2C over peak-EWMA) avoids a slow replica", () => {
    const candidates = states([1, 1, 1]);
    for (const state of candidates) state.latency.observe(state.index === 2 ? 500 : 20);
    const strategy = createLatencyStrategy(seeded());
    const picks = Array.from({ length: 300 }, () => strategy.pick(candidates, undefined).index);
    // P2C only picks the worst one when both choices are it, which never happens with distinct choices.
    expect(picks.filter((pick) => pick === 2)).toHaveLength(0);
  });

  it("prefix affinity keeps a conversation's follow-up turns on one replica, moving only when it is busy", () => {
    const candidates = states([1, 1, 1, 1]);
    const strategy = createPrefixAffinityStrategy(4, seeded());
    const first = [{ role: "system", content: "You are terse." }, { role: "user", content: "Tell me about foxes." }];
    const followUp = [...first, { role: "assistant", content: "Foxes are canids." }, { role: "user", content: "And their diet?" }];
    const keyOne = strategy.key({ body: { messages: first }, headers: {} });
    const keyTwo = strategy.key({ body: { messages: followUp }, headers: {} });
    expect(keyOne).toBe(keyTwo);
    const home = strategy.pick(candidates, keyOne);
    expect(strategy.pick(candidates, keyTwo)).toBe(home);
    // Different conversations spread over replicas.
    const homes = new Set(Array.from({ length: 40 }, (_, index) => strategy.pick(candidates, strategy.key({ body: { messages: [{ role: "user", content: `q${index}` }] }, headers: {} })).index));
    expect(homes.size).toBeGreaterThan(2);
    home.inFlight = 4;
    expect(strategy.pick(candidates, keyOne)).not.toBe(home);
    // Without its home (down), the key lands on the same other replica every time.
    const others = candidates.filter((candidate) => candidate !== home);
    home.inFlight = 0;
    expect(strategy.pick(others, keyOne)).toBe(strategy.pick(others, keyTwo));
  });

  it("session stickiness hashes the header with no per-session state", () => {
    const candidates = states([1, 1, 1]);
    const strategy = createSessionStrategy("x-session-id", seeded());
    for (const session of ["alice", "bob", "carol", "dave"]) {
      const key = strategy.key({ body: {}, headers: { "x-session-id": session } });
      const home = strategy.pick(candidates, key);
      for (let index = 0; index < 5; index++) expect(strategy.pick(candidates, strategy.key({ body: {}, headers: { "x-session-id": session } }))).toBe(home);
    }
    expect(strategy.key({ body: {}, headers: {} })).toBeUndefined();
  });
});
