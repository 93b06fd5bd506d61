import { Pool } from "undici";
import { parseConfig } from "../config/load-config.js";
import type { GatewayConfig } from "../config/schema.js";
import { startWarmUpUpstream } from "./warm-up-upstream.js";

/** Starts a gateway from a config through the composition root and gives back its address and a way to stop it. */
export type StartGatewayCopy = (config: GatewayConfig) => Promise<{ readonly url: string; close(): Promise<void> }>;

/** Requests sent to the copy at once: enough to exercise the pools and queues, few enough not to queue. */
const concurrency = 4;
/** The warm-up stops sending after this long whatever the count, so a slow or loaded host starts in bounded time. */
const maxSendingMs = 2000;

/** What the copy is sent, in turn: every API route's common shapes, plain and streamed. */
const samples: readonly (readonly [string, (index: number) => object])[] = [
  ["/v1/chat/completions", (index) => ({ model: "warm-up", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: `Hello ${index}` }] })],
  ["/v1/chat/completions", (index) => ({ model: "warm-up", messages: [{ role: "user", content: `Hello ${index}` }], stream: true, max_tokens: 16 })],
  ["/v1/completions", (index) => ({ model: "warm-up", prompt: `Hello ${index}`, max_tokens: 16 })],
  ["/v1/completions", (index) => ({ model: "warm-up", prompt: `Hello ${index}`, max_tokens: 16, stream: true })],
  ["/v1/embeddings", (index) => ({ model: "warm-up", input: [`Hello ${index}`] })],
  ["/v1/responses", (index) => ({ model: "warm-up", input: `Hello ${index}`, store: false })],
  ["/v1/messages", (index) => ({ model: "warm-up", max_tokens: 16, messages: [{ role: "user", content: `Hello ${index}` }] })],
  ["/v1/messages", (index) => ({ model: "warm-up", max_tokens: 16, messages: [{ role: "user", content: `Hello ${index}` }], stream: true })],
];

/**
 * Sends `requests` requests through a private copy of the gateway before the real one listens (ADR 0010, second
 * addendum). The copy is built by the same composition root, so its request path is the same code: V8 keeps a
 * function's type feedback and optimised code per function literal, shared by every closure a factory makes, so the
 * real gateway's first requests run compiled code instead of paying for it under load. The copy has its own in-memory
 * database, metrics and upstream (a loopback stub), so no real upstream, log row, metric or limit ever sees it.
 */
export async function warmUpThroughCopy(requests: number, start: StartGatewayCopy): Promise<void> {
  if (requests <= 0) return;
  const upstream = await startWarmUpUpstream();
  try {
    const yaml = [
      "server: { host: 127.0.0.1, port: 0, warm_up_requests: 0, shutdown_grace_ms: 0 }",
      "logging: { level: silent }",
      'database: { path: ":memory:" }',
      "ui: { enabled: false }",
      "models:",
      "  - name: warm-up",
      `    deployments: [{ provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: warm-up }]`,
    ].join("\n");
    const copy = await start(parseConfig(yaml, {}, "warm-up"));
    const pool = new Pool(copy.url, { connections: concurrency });
    try {
      let next = 0;
      const deadline = performance.now() + maxSendingMs;
      const sender = async (): Promise<void> => {
        for (let index = next++; index < requests && performance.now() < deadline; index = next++) {
          const [path, body] = samples[index % samples.length] ?? samples[0]!;
          const response = await pool.request({ path, method: "POST", headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" }, body: JSON.stringify(body(index)) });
          await response.body.text();
        }
      };
      await Promise.all(Array.from({ length: concurrency }, sender));
    } finally {
      await pool.close();
      await copy.close();
    }
  } finally {
    await upstream.close();
  }
}
