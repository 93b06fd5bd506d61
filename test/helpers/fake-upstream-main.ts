// Runs the fake upstream as its own process (for benchmarks), printing its base URL on stdout.
// Degradation on cue (bench/routing/degrade.ts): SIGUSR1 switches to FAKE_DEGRADED_DELAY_MS latency and a
// FAKE_DEGRADED_ERROR_RATE share of 503s; SIGUSR2 switches back. Start it with `node --import tsx` so the signals
// reach this process rather than a wrapper.
import { startFakeUpstream, type FakeBehavior } from "./fake-upstream.js";

const port = Number(process.env["PORT"] ?? 0);
const degradedDelayMs = Number(process.env["FAKE_DEGRADED_DELAY_MS"] ?? 300);
const degradedErrorRate = Number(process.env["FAKE_DEGRADED_ERROR_RATE"] ?? 0);
let degraded = false;
const degradedError: FakeBehavior = { kind: "status", status: 503 };
const degradedSlow: FakeBehavior = { kind: "ok", delayMs: degradedDelayMs };
const upstream = await startFakeUpstream({
  port,
  record: false,
  chooseBehavior: () => (!degraded ? undefined : Math.random() < degradedErrorRate ? degradedError : degradedSlow),
});
const delayMs = Number(process.env["FAKE_DELAY_MS"] ?? 0);
if (delayMs > 0) upstream.defaultBehavior = { kind: "ok", delayMs };
process.stdout.write(`${upstream.baseUrl}\n`);
process.on("SIGUSR1", () => void (degraded = true));
process.on("SIGUSR2", () => void (degraded = false));
process.on("SIGTERM", () => void upstream.close().then(() => process.exit(0)));
