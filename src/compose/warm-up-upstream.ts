import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A loopback upstream that only the start-up warm-up talks to. */
export interface WarmUpUpstream {
  /** Base URL with /v1, as a deployment's base_url. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

const usage = { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 };

/** Answers chat (plain and streamed, with usage), completions and embeddings the way OpenAI-compatible servers do. */
function answer(path: string, body: Record<string, unknown>, response: ServerResponse): void {
  const created = Math.floor(Date.now() / 1000);
  const base = { id: "warm-up", created, model: "warm-up" };
  if (path.endsWith("/embeddings")) return void response.end(JSON.stringify({ object: "list", data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2, 0.3] }], model: "warm-up", usage }));
  const chat = path.endsWith("/chat/completions");
  if (body["stream"] !== true) {
    const choice = chat ? { index: 0, message: { role: "assistant", content: "Warm." }, finish_reason: "stop" } : { index: 0, text: "Warm.", finish_reason: "stop" };
    return void response.end(JSON.stringify({ ...base, object: chat ? "chat.completion" : "text_completion", choices: [choice], usage }));
  }
  response.writeHead(200, { "content-type": "text/event-stream" });
  const object = chat ? "chat.completion.chunk" : "text_completion";
  const delta = (content: string, finish: string | null): object => (chat ? { index: 0, delta: { content }, finish_reason: finish } : { index: 0, text: content, finish_reason: finish });
  const events = [delta("Wa", null), delta("rm", null), delta(".", "stop")].map((choice) => ({ ...base, object, choices: [choice] }));
  events.push({ ...base, object, choices: [], usage } as (typeof events)[number]);
  response.end(`${events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join("")}data: [DONE]\n\n`);
}

/** Starts the upstream on an ephemeral loopback port. */
export async function startWarmUpUpstream(): Promise<WarmUpUpstream> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      response.setHeader("content-type", "application/json");
      answer(request.url ?? "", chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>), response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
