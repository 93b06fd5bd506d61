import { afterEach, describe, expect, it } from "vitest";
import { request } from "undici";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { startClockedGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

/** Generation requests only: health checks (on by default with two upstreams) add GETs. */
const posts = (replica: FakeUpstream): number => replica.calls.filter((call) => call.method === "POST").length;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

// The gateway runs on a fake clock: the cooldown passes only when the test advances it.
const cooldownMs = 1500;

/** Two replicas behind round-robin, a breaker that opens after 2 failures in a row and cools down for `cooldownMs`. */
async function setup(): Promise<{ flaky: FakeUpstream; steady: FakeUpstream; gateway: RunningGateway; clock: FakeClock }> {
  const [flaky, steady] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
  open.push(flaky, steady);
  const deployments = [flaky, steady].map((replica) => `      - { provider: openai-compatible, base_url: "${replica.baseUrl}", upstream_model: tiny }`).join("\n");
  const clock = createFakeClock();
  const gateway = await startClockedGateway(`models:
  - name: chat
    # Ejection off: this drives the breaker alone (ejection would keep the replica out longer than the cooldown).
    routing: { ejection: { enabled: false } }
    retry: { max_attempts: 3, base_delay_ms: 1 }
    breaker: { consecutive_failures: 2, cooldown_ms: ${cooldownMs}, half_open_probes: 1 }
    deployments:
${deployments}
`, clock);
  open.unshift(gateway);
  return { flaky, steady, gateway, clock };
}

async function statuses(gateway: RunningGateway, count: number): Promise<number[]> {
  const body = JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hi" }] });
  const result: number[] = [];
  for (let index = 0; index < count; index++) {
    const response = await request(`${gateway.url}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json" } });
    await response.body.text();
    result.push(response.statusCode);
  }
  return result;
}

const ok200 = (count: number): number[] => Array<number>(count).fill(200);

describe("circuit breaker, full cycle against a real upstream", () => {
  it("opens after failures, half-opens after the cooldown, closes on a good probe, and traffic resumes", async () => {
    const { flaky, steady, gateway, clock } = await setup();
    flaky.defaultBehavior = { kind: "status", status: 503 };

    // Closed → open: the replica's two failures are retried on the other one, so clients see only 200s.
    expect(await statuses(gateway, 8)).toEqual(ok200(8));
    expect(posts(flaky)).toBe(2);

    // Open: no traffic at all, even though the replica has recovered in the meantime, up to the last moment of the cooldown.
    flaky.defaultBehavior = { kind: "ok" };
    expect(await statuses(gateway, 6)).toEqual(ok200(6));
    clock.advance(cooldownMs - 1);
    expect(await statuses(gateway, 6)).toEqual(ok200(6));
    expect(posts(flaky)).toBe(2);

    // Half-open once the cooldown has passed: the first request it gets is the probe; it passes and closes the breaker.
    clock.advance(1);
    expect(await statuses(gateway, 20)).toEqual(ok200(20));
    // Closed again: round-robin shares the load evenly (the probe included).
    expect(posts(flaky) - 2).toBeGreaterThanOrEqual(9);
    expect(posts(flaky) - 2).toBeLessThanOrEqual(11);
    expect(posts(steady)).toBeGreaterThan(20);
  });

  it("a failed half-open probe re-opens the breaker for another cooldown", async () => {
    const { flaky, gateway, clock } = await setup();
    flaky.defaultBehavior = { kind: "status", status: 503 };
    expect(await statuses(gateway, 8)).toEqual(ok200(8));
    expect(posts(flaky)).toBe(2);

    clock.advance(cooldownMs);
    // One probe goes through, fails (retried elsewhere), and the breaker is open again: no second call.
    expect(await statuses(gateway, 8)).toEqual(ok200(8));
    expect(posts(flaky)).toBe(3);

    // After a second cooldown it is probed again and, now healthy, takes traffic.
    flaky.defaultBehavior = { kind: "ok" };
    clock.advance(cooldownMs - 1);
    expect(await statuses(gateway, 4)).toEqual(ok200(4));
    expect(posts(flaky)).toBe(3);
    clock.advance(1);
    expect(await statuses(gateway, 10)).toEqual(ok200(10));
    expect(posts(flaky)).toBeGreaterThanOrEqual(3 + 4);
  });
});
