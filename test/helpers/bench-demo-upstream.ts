// Starts the fake upstream (test/helpers/fake-upstream.ts) as a stand-in model server for trying
// `gantry bench` by hand and for the example run in docs/bench.md. It is NOT a model: it streams
// canned words with scripted delays, and `--slots` makes requests queue like an engine with a fixed batch.
//
//   npx tsx test/helpers/bench-demo-upstream.ts --port 8001 --slots 8 --ttft-ms 40 --token-ms 8
import { parseArgs } from "node:util";
import { createSeededRandom } from "../../src/bench/seeded-random.js";
import { startFakeUpstream, type FakeBehavior } from "./fake-upstream.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8001" },
    slots: { type: "string", default: "8" },
    "ttft-ms": { type: "string", default: "40" },
    "token-ms": { type: "string", default: "8" },
    requests: { type: "string", default: "20000" },
    seed: { type: "string", default: "1" },
  },
});
const random = createSeededRandom(Number(values.seed));
const words = ["the", "fox", "read", "a", "little", "book", "about", "rivers", "and", "stars", "while", "rain", "fell", "softly", "outside"];
const text = Array.from({ length: 4096 }, (_, index) => words[index % words.length]).join(" ");
const ttftMs = Number(values["ttft-ms"]);
const tokenMs = Number(values["token-ms"]);

const upstream = await startFakeUpstream({ port: Number(values.port), record: false, slots: Number(values.slots) });
// Per-request jitter: prefill time ±50%, decode pace ±25%, drawn once per request in arrival order.
const behaviors: FakeBehavior[] = Array.from({ length: Number(values.requests) }, () => ({
  kind: "ok",
  text,
  delayMs: Math.round(ttftMs * (0.5 + random.next())),
  chunkDelayMs: Math.max(1, Math.round(tokenMs * (0.75 + 0.5 * random.next()))),
}));
upstream.enqueue(...behaviors);
upstream.defaultBehavior = { kind: "ok", text, delayMs: ttftMs, chunkDelayMs: tokenMs };
process.stdout.write(`fake upstream (not a model) listening on ${upstream.baseUrl}, slots ${values.slots}\n`);
const stop = (): void => void upstream.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
