// Runs the fake upstream as its own process (for benchmarks), printing its base URL on stdout.
import { startFakeUpstream } from "./fake-upstream.js";

const port = Number(process.env["PORT"] ?? 0);
const upstream = await startFakeUpstream({ port, record: false });
const delayMs = Number(process.env["FAKE_DELAY_MS"] ?? 0);
if (delayMs > 0) upstream.defaultBehavior = { kind: "ok", delayMs };
process.stdout.write(`${upstream.baseUrl}\n`);
process.on("SIGTERM", () => void upstream.close().then(() => process.exit(0)));
