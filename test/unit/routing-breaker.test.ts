import { describe, expect, it } from "vitest";
import { createCircuitBreaker } from "../../src/routing/circuit-breaker.js";
import { breakerSchema } from "../../src/routing/routing-config-schema.js";

function fakeClock(): { now(): number; advance(ms: number): void } {
  let time = 1_000;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

describe("circuit breaker under a fake clock", () => {
  it("opens after N consecutive failures, half-opens after the cooldown, closes on a successful probe", () => {
    const clock = fakeClock();
    const breaker = createCircuitBreaker(breakerSchema.parse({ consecutive_failures: 3, cooldown_ms: 1_000, half_open_probes: 1 }), clock);
    breaker.failure();
    breaker.failure();
    expect(breaker.state()).toBe("closed");
    breaker.failure();
    expect(breaker.state()).toBe("open");
    expect(breaker.available()).toBe(false);
    clock.advance(999);
    expect(breaker.available()).toBe(false);
    clock.advance(1);
    expect(breaker.state()).toBe("half-open");
    expect(breaker.available()).toBe(true);
    breaker.acquire();
    // Only `half_open_probes` requests go while the probe is out.
    expect(breaker.available()).toBe(false);
    breaker.success();
    expect(breaker.state()).toBe("closed");
    expect(breaker.available()).toBe(true);
  });

  it("a failed probe opens it again for another cooldown; an abandoned probe frees the slot", () => {
    const clock = fakeClock();
    const breaker = createCircuitBreaker(breakerSchema.parse({ consecutive_failures: 1, cooldown_ms: 500 }), clock);
    breaker.failure();
    clock.advance(500);
    breaker.acquire();
    breaker.release();
    expect(breaker.available()).toBe(true);
    breaker.acquire();
    breaker.failure();
    expect(breaker.state()).toBe("open");
    clock.advance(499);
    expect(breaker.state()).toBe("open");
    clock.advance(1);
    expect(breaker.state()).toBe("half-open");
  });

  it("opens on the error rate over the sliding window once min_requests is reached, and old samples expire", () => {
    const clock = fakeClock();
    const breaker = createCircuitBreaker(breakerSchema.parse({ consecutive_failures: 100, error_rate: 0.5, min_requests: 10, window_ms: 10_000 }), clock);
    for (let index = 0; index < 4; index++) {
      breaker.success();
      breaker.failure();
    }
    expect(breaker.state()).toBe("closed"); // 8 requests < min_requests
    clock.advance(20_000); // the window forgets them
    for (let index = 0; index < 9; index++) breaker.success();
    breaker.failure();
    expect(breaker.state()).toBe("closed"); // 10% errors
    for (let index = 0; index < 8; index++) breaker.failure();
    expect(breaker.state()).toBe("open"); // 9 of 18 = 50%
  });

  it("disabled or absent config never opens", () => {
    const breaker = createCircuitBreaker(breakerSchema.parse({ enabled: false }), fakeClock());
    for (let index = 0; index < 50; index++) breaker.failure();
    expect(breaker.available()).toBe(true);
  });
});
