import { request } from "undici";
import { createFakeClock } from "./fake-clock.js";
import { startFakeUpstream, type FakeBehavior, type FakeUpstream } from "./fake-upstream.js";
import { freePort } from "./free-port.js";
import { startClockedGateway } from "./gateway.js";

/** One fault on one of two deployments; the other stays healthy. */
export interface FaultScenario {
  readonly name: string;
  /** What the faulty upstream does with every generation request; undefined: nothing listens on its port (refused). */
  readonly behavior: FakeBehavior | undefined;
  /** Every request streams (a mid-stream reset needs one); otherwise every other request streams. */
  readonly streamOnly?: boolean;
}

/** The issue's scenarios, plus a deployment whose port refuses connections. */
export const faultScenarios: readonly FaultScenario[] = [
  { name: "503", behavior: { kind: "status", status: 503 } },
  { name: "reset before first byte", behavior: { kind: "reset-before" } },
  // Spaced chunks, so the first part reaches the client before the reset (else it counts as a reset before the first byte).
  { name: "reset during stream", behavior: { kind: "reset-mid-stream", afterChunks: 2, chunkDelayMs: 20 }, streamOnly: true },
  { name: "hang", behavior: { kind: "hang" } },
  { name: "slow (100 ms, 5 ms/chunk)", behavior: { kind: "ok", delayMs: 100, chunkDelayMs: 5 } },
  { name: "429 Retry-After: 1", behavior: { kind: "status", status: 429, headers: { "retry-after": "1" } } },
  { name: "connection refused", behavior: undefined },
];

export type FaultMode = "sequential" | "concurrent";

export interface FaultResult {
  scenario: string;
  mode: FaultMode;
  requests: number;
  /** Answers that were not a complete 200 (a non-200, an SSE error event, or a stream without [DONE]). */
  clientFailures: number;
  /** Generation requests the faulty deployment received; undefined when nothing listens there (refused). */
  faultyCalls: number | undefined;
  /** Fake-clock milliseconds the scenario took (backoffs and first-byte deadlines; the clock moves only by timers). */
  fakeMs: number;
}

/**
 * Every routing default, on a fake clock: the first-byte deadline and ejection periods run on it. The registry is off:
 * its change poll is a timer on the same clock, and the pump firing it every half second would walk time past the
 * ejection period that the scenario plays inside.
 */
const modelYaml = (urls: readonly string[]): string =>
  `registry: { enabled: false }\nmodels:\n  - name: chat\n    deployments:\n${urls.map((url) => `      - { provider: openai-compatible, base_url: "${url}", upstream_model: tiny }`).join("\n")}\n`;

/**
 * Runs one scenario: two deployments (the first faulty) behind a gateway with default settings, 40 requests one by one
 * or 50 at once. The gateway's clock is fake; a pump fires timers due within `pumpWindowMs` (retry backoffs, the first
 * probe), and for a hang it moves time past the first-byte deadline once new requests hang there. Nothing else moves
 * it, so a scenario plays inside one ejection period.
 */
export async function runFaultScenario(scenario: FaultScenario, mode: FaultMode): Promise<FaultResult> {
  const healthy = await startFakeUpstream();
  const faulty = scenario.behavior === undefined ? undefined : await startFakeUpstream();
  if (faulty !== undefined && scenario.behavior !== undefined) faulty.defaultBehavior = scenario.behavior;
  const faultyUrl = faulty?.baseUrl ?? `http://127.0.0.1:${await freePort()}/v1`;
  const clock = createFakeClock();
  const startedAt = clock.now();
  const gateway = await startClockedGateway(modelYaml([faultyUrl, healthy.baseUrl]), clock);
  const posts = (upstream: FakeUpstream | undefined): number => upstream?.calls.filter((call) => call.method === "POST").length ?? 0;
  let hangsSeen = 0;
  let traffic = "";
  let quietSince = Date.now();
  const pump = setInterval(() => {
    const hung = posts(faulty);
    const now = `${hung}:${posts(healthy)}:${healthy.openRequests()}`;
    if (now !== traffic) [traffic, quietSince] = [now, Date.now()];
    // Time jumps only once traffic has settled with the healthy deployment idle: an attempt on it that spanned the jump
    // would look 10 s slow, time out itself and skew the adaptive deadline. The healthy replica answers in real
    // milliseconds, which is what the fake clock must show.
    if (scenario.behavior?.kind === "hang" && hung > hangsSeen && healthy.openRequests() === 0 && Date.now() - quietSince >= settleMs) {
      hangsSeen = hung;
      clock.advance(firstByteDeadlineMs);
      return;
    }
    const due = clock.nextDue();
    if (due !== undefined && due - clock.now() <= pumpWindowMs) clock.advance(due - clock.now());
  }, 1);
  try {
    const count = mode === "sequential" ? 40 : 50;
    const one = (index: number): Promise<boolean> => completes(gateway.url, scenario.streamOnly === true || index % 2 === 0);
    const outcomes: boolean[] = [];
    if (mode === "sequential") for (let index = 0; index < count; index++) outcomes.push(await one(index));
    else outcomes.push(...(await Promise.all(Array.from({ length: count }, (_, index) => one(index)))));
    return {
      scenario: scenario.name,
      mode,
      requests: count,
      clientFailures: outcomes.filter((ok) => !ok).length,
      faultyCalls: faulty === undefined ? undefined : posts(faulty),
      fakeMs: Math.round(clock.now() - startedAt),
    };
  } finally {
    clearInterval(pump);
    await gateway.close();
    await Promise.all([healthy.close(), faulty?.close()]);
  }
}

/** The default `retry.first_byte_ms`. */
const firstByteDeadlineMs = 10_000;
/** Real milliseconds without new traffic before a hang is timed out on the fake clock. */
const settleMs = 200;
/** Retry backoffs are at most a few hundred ms; health-check intervals (5 s) stay out of reach. */
const pumpWindowMs = 500;

/** Sends one chat request and says whether the client got a complete answer. */
async function completes(url: string, stream: boolean): Promise<boolean> {
  const body = JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hi" }], ...(stream ? { stream: true } : {}) });
  const response = await request(`${url}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json" } });
  const text = await response.body.text();
  if (response.statusCode !== 200) return false;
  if (stream) return text.includes("data: [DONE]") && !text.includes('"error"');
  const parsed = JSON.parse(text) as { choices?: { message?: { content?: string } }[] };
  return (parsed.choices?.[0]?.message?.content ?? "") !== "";
}

/** The results as a markdown table. */
export function faultTable(results: readonly FaultResult[]): string {
  const rows = results.map((result) => `| ${result.scenario} | ${result.mode} | ${result.requests} | ${result.clientFailures} | ${result.faultyCalls ?? "n/a"} | ${result.fakeMs} |`);
  return ["| fault | mode | requests | client-visible failures | calls to the faulty deployment | fake-clock ms |", "|---|---|---:|---:|---:|---:|", ...rows].join("\n");
}
