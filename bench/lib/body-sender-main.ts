// Sends 4 MiB bodies to a gateway from a process of its own, so that writing them never delays the bench's small
// requests (a 4 MiB write and its response read block the sender's event loop; in the bench's process they showed up
// as late small requests, counted against the gateway). Run by `startBodySender` (body-sender.ts) with `node --import
// tsx`; it builds its bodies, prints "ready", starts on SIGUSR2, and prints one JSON line with what it saw.
//   --kind big:     one 64 × 63 KiB chat every --every-ms for --duration-ms, each on a fresh request (latencies kept)
//   --kind hostile: --clients clients, each sending the hostile kinds back to back until --duration-ms (or
//                   --max-per-client bodies), statuses counted per kind and code
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { bigChatBody, hostileBodies, hostilePath } from "./big-bodies.js";
import { summarize } from "./stats.js";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    kind: { type: "string", default: "big" },
    model: { type: "string", default: "bulk" },
    "small-model": { type: "string", default: "story" },
    "every-ms": { type: "string", default: "500" },
    "duration-ms": { type: "string", default: "10000" },
    clients: { type: "string", default: "8" },
    "max-per-client": { type: "string", default: "200" },
  },
});
const url = values.url ?? "";
const durationMs = Number(values["duration-ms"]);
// Bodies are encoded once: a string body would be re-encoded on every send.
const big = Buffer.from(bigChatBody(values.model));
const hostile = Object.entries(hostileBodies(values["small-model"], values.model)).map(([kind, body]) => ({ kind, path: hostilePath(kind), body: Buffer.from(body) }));
const pool = new Pool(url, { connections: Math.max(8, Number(values.clients)) });

/** Posts one body; resolves with its status and error code (`ok` for a 200), or the transport error's message. */
async function post(path: string, body: Buffer): Promise<string> {
  try {
    const response = await pool.request({ path, method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await response.body.text();
    return `${response.statusCode} ${response.statusCode === 200 ? "ok" : ((JSON.parse(text) as { error?: { code?: string } }).error?.code ?? "?")}`;
  } catch (error) {
    return error instanceof Error ? error.message : "error";
  }
}

async function sendBig(): Promise<object> {
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  const sends: Promise<void>[] = [];
  const count = Math.max(1, Math.floor(durationMs / Number(values["every-ms"])));
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    sends.push(
      post("/v1/chat/completions", big).then((status) => {
        latencies.push(performance.now() - started);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, Number(values["every-ms"])));
  }
  await Promise.all(sends);
  return { bytes: big.length, sent: count, errors: count - (statuses.get("200 ok") ?? 0), statuses: Object.fromEntries(statuses), latency: summarize(latencies) };
}

async function sendHostile(): Promise<object> {
  const statuses = new Map<string, number>();
  const until = performance.now() + durationMs;
  const client = async (offset: number): Promise<void> => {
    for (let index = 0; index < Number(values["max-per-client"]) && performance.now() < until; index++) {
      const { kind, path, body } = hostile[(offset + index) % hostile.length] ?? hostile[0]!;
      const key = `${kind}: ${await post(path, body)}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: Number(values.clients) }, (_, offset) => client(offset)));
  return { clients: Number(values.clients), bodyBytes: hostile[0]?.body.length, kinds: hostile.map((item) => item.kind), statuses: Object.fromEntries([...statuses].sort()) };
}

/** Sends each body once (warms the gateway on them), outside any measured phase. */
async function warm(): Promise<void> {
  if (values.kind === "big") for (let index = 0; index < 3; index++) await post("/v1/chat/completions", big);
  else for (const { path, body } of hostile) await post(path, body);
}

await warm();
// A signal handler alone does not keep a process alive: this timer does, until the signal comes.
const waiting = setInterval(() => undefined, 60_000);
process.once("SIGUSR2", () => {
  clearInterval(waiting);
  void (values.kind === "big" ? sendBig() : sendHostile()).then(async (result) => {
    await pool.close();
    process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
  });
});
process.stdout.write("ready\n");
