import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import type { z } from "zod";
import { chatCompletionRequestSchema, completionRequestSchema, embeddingRequestSchema } from "../protocol/openai-requests.js";
import { responsesRequestSchema } from "../protocol/responses-request.js";
import { anthropicMessagesRequestSchema } from "../protocol/anthropic-request.js";
import { createJsonScanner, type JsonScanLimits } from "../http/prescan-json.js";

/**
 * Runs of each validator: zod compiles a schema's fast path on its first parse and V8 optimises hot code after some
 * hundreds of calls, both of which the first requests would otherwise pay for (profiled: bench/overhead/cold-probe.ts).
 */
const validatorRuns = 200;
/** Requests the warm-up sends over loopback to itself. */
const selfRequests = 20;

/** Representative valid bodies, one per request schema (and a streaming chat with content parts). */
export const warmUpSamples: readonly (readonly [z.ZodType, object])[] = [
  [chatCompletionRequestSchema, { model: "warm-up", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello" }] }],
  [chatCompletionRequestSchema, { model: "warm-up", messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }], stream: true, max_tokens: 16, temperature: 0.5 }],
  [completionRequestSchema, { model: "warm-up", prompt: "Hello", max_tokens: 16 }],
  [embeddingRequestSchema, { model: "warm-up", input: ["Hello", "world"] }],
  [responsesRequestSchema, { model: "warm-up", input: "Hello" }],
  [anthropicMessagesRequestSchema, { model: "warm-up", max_tokens: 16, messages: [{ role: "user", content: "Hello" }] }],
];

/**
 * CPU work done before the server listens: the request validators and the body scanner run on representative bodies,
 * so their first real use is already compiled.
 */
export function warmUpValidators(scan: JsonScanLimits): void {
  for (let run = 0; run < validatorRuns; run++) {
    for (const [schema, body] of warmUpSamples) {
      createJsonScanner(scan).push(Buffer.from(JSON.stringify(body)));
      // safeParse: a sample that a later schema change makes invalid warms the error path instead of failing startup.
      schema.safeParse(body);
    }
  }
}

/**
 * Makes a few requests to a private loopback server that answers with nothing and is closed again: this compiles
 * undici's HTTP parser (WebAssembly, compiled on the process's first connection, which would otherwise be the first
 * upstream call's) and node's server and client paths. Nothing reaches the app, so no log line, metric or row.
 */
export async function warmUpHttp(): Promise<void> {
  const server = createServer((_request, response) => response.end("{}"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 1 });
  try {
    const body = JSON.stringify({ model: "warm-up", messages: [{ role: "user", content: "Hello" }] });
    for (let index = 0; index < selfRequests; index++) {
      const response = await pool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body });
      await response.body.text();
    }
  } finally {
    await pool.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
