import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { fakeChatChunks, fakeChatCompletion, fakeTokens, requestDrivenChoices } from "./fake-answers.js";

export { fakeTokens };

/** What the fake upstream does with one request. */
export type FakeBehavior =
  | {
      kind: "ok";
      delayMs?: number;
      /** Holds the answer back until this settles, so a test decides when it goes instead of guessing a delay. */
      until?: Promise<unknown>;
      chunkDelayMs?: number;
      text?: string;
      headers?: Record<string, string>;
      /** Delay before each token chunk (index i = i-th token); when set, role/finish/usage chunks go out without delay. */
      tokenDelaysMs?: number[];
      /** Leaves out the usage chunk even when `stream_options.include_usage` asks for it, as some servers do. */
      omitUsage?: boolean;
    }
  | { kind: "status"; status: number; body?: string; headers?: Record<string, string> }
  /** Destroys the socket before any byte of the response. */
  | { kind: "reset-before" }
  /** Streams `afterChunks` content chunks, then destroys the socket. */
  | { kind: "reset-mid-stream"; afterChunks: number; chunkDelayMs?: number }
  /** Answers 200 with a body that is not JSON (or, for streams, an event that is not JSON). */
  | { kind: "malformed-json" }
  /** Streams every chunk but never sends [DONE]. */
  | { kind: "no-done" }
  /** Sends an error event after `afterChunks` chunks, as vLLM does when generation fails mid-stream. */
  | { kind: "error-event"; afterChunks: number }
  /** Never answers (until the client gives up). */
  | { kind: "hang" };

export interface RecordedCall {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown> | undefined;
}

export interface FakeUpstream {
  /** Base URL including /v1, as a deployment's base_url. */
  readonly baseUrl: string;
  readonly port: number;
  readonly calls: RecordedCall[];
  /** Behaviour for every request that has no queued one-off behaviour. */
  defaultBehavior: FakeBehavior;
  /** Queues behaviours for the next requests, in order. */
  enqueue(...behaviors: FakeBehavior[]): void;
  /** Resolves once the number of open upstream requests reaches zero. */
  openRequests(): number;
  /** Number of requests whose client went away before they finished. */
  abortedRequests(): number;
  /** The most requests that were open at the same time since the server started. */
  peakOpenRequests(): number;
  /** When false, GET /v1/models (the default health-check path) answers 503; other routes are unaffected. */
  healthy: boolean;
  /** Requests GET /metrics reports as `vllm:num_requests_waiting` (404 while undefined, the default). */
  reportedWaiting: number | undefined;
  close(): Promise<void>;
}

const defaultText = "Once upon a time there was a little fox who loved to read.";

/** Starts a real OpenAI-compatible HTTP server on a loopback port. */
export async function startFakeUpstream(options: {
  port?: number;
  record?: boolean;
  /** At most this many requests are served at once; the rest wait in FIFO order, like an engine with a fixed batch size. */
  slots?: number;
  /**
   * Chooses the behaviour of a request with none queued (e.g. a random share of errors, or an answer that depends on
   * the prompt); undefined falls back to `defaultBehavior`.
   */
  chooseBehavior?: (request: RecordedCall) => FakeBehavior | undefined;
  /** How /v1/embeddings makes vectors: `hash` (default, unrelated texts far apart) or `bag-of-words` (see bagOfWordsEmbedding). */
  embedding?: "hash" | "bag-of-words";
} = {}): Promise<FakeUpstream> {
  const queue: FakeBehavior[] = [];
  const calls: RecordedCall[] = [];
  const record = options.record ?? true;
  let open = 0;
  let aborted = 0;
  let peakOpen = 0;
  const sockets = new Set<import("node:net").Socket>();

  const state = { defaultBehavior: { kind: "ok" } as FakeBehavior, healthy: true, reportedWaiting: undefined as number | undefined };
  const slots = options.slots ?? Infinity;
  const chooseBehavior = options.chooseBehavior;
  const embeddingKind = options.embedding ?? "hash";
  let activeSlots = 0;
  const slotWaiters: Array<() => void> = [];
  const releaseSlot = (): void => {
    const next = slotWaiters.shift();
    if (next !== undefined) next();
    else activeSlots--;
  };
  /** Waits for a free slot; false when the client left while waiting (the slot is then passed on). */
  const takeSlot = async (response: ServerResponse): Promise<boolean> => {
    if (activeSlots < slots) activeSlots++;
    else await new Promise<void>((resolve) => slotWaiters.push(resolve));
    if (response.destroyed) {
      releaseSlot();
      return false;
    }
    response.once("close", releaseSlot);
    return true;
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    open++;
    peakOpen = Math.max(peakOpen, open);
    let finished = false;
    response.on("close", () => {
      open--;
      if (!finished && !response.writableFinished) aborted++;
    });
    const raw = await readBody(request);
    let body: Record<string, unknown> | undefined;
    try {
      body = raw === "" ? undefined : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
      body = undefined;
    }
    const path = request.url ?? "/";
    const call: RecordedCall = { method: request.method ?? "GET", path, headers: request.headers, body };
    if (record) calls.push(call);
    if (request.method === "GET" && path === "/v1/models") {
      if (!state.healthy) return json(response, 503, { error: { message: "fake upstream is unhealthy", type: "server_error", code: null } });
      return json(response, 200, { object: "list", data: [{ id: "tiny", object: "model", created: 0, owned_by: "fake" }] });
    }
    if (request.method === "GET" && path === "/metrics") {
      if (state.reportedWaiting === undefined) return json(response, 404, { error: { message: "no metrics", type: "invalid_request_error" } });
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      response.end(`# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{model_name="tiny"} ${state.reportedWaiting}\nvllm:num_requests_running{model_name="tiny"} 0\n`);
      return;
    }
    // Probes (GETs above) never take a queued behaviour meant for a generation request.
    const behavior = queue.shift() ?? chooseBehavior?.(call) ?? state.defaultBehavior;
    if (slots !== Infinity && !(await takeSlot(response))) return;
    switch (behavior.kind) {
      case "hang":
        return;
      case "reset-before":
        request.socket.destroy();
        return;
      case "status":
        response.writeHead(behavior.status, { "content-type": "application/json", ...behavior.headers });
        response.end(behavior.body ?? JSON.stringify({ error: { message: `fake upstream says ${behavior.status}`, type: "server_error", code: null } }));
        finished = true;
        return;
      default:
        break;
    }
    if (behavior.kind === "ok" && behavior.delayMs !== undefined) await sleep(behavior.delayMs);
    if (behavior.kind === "ok" && behavior.until !== undefined) await behavior.until;
    const text = behavior.kind === "ok" && behavior.text !== undefined ? behavior.text : defaultText;
    const model = typeof body?.["model"] === "string" ? body["model"] : "tiny";

    if (path === "/v1/embeddings") {
      if (behavior.kind === "malformed-json") return plain(response, "{not json");
      const inputs = Array.isArray(body?.["input"]) ? (body["input"] as unknown[]) : [body?.["input"]];
      const base64 = body?.["encoding_format"] === "base64";
      const data = inputs.map((input, index) => {
        const vector = embeddingKind === "bag-of-words" ? bagOfWordsEmbedding(String(input)) : fakeEmbedding(JSON.stringify(input));
        return { object: "embedding", index, embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector };
      });
      const tokens = inputs.reduce<number>((sum, input) => sum + fakeTokens(String(input)).length, 0);
      finished = true;
      return json(response, 200, { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
    }
    const chat = path === "/v1/chat/completions";
    if (!chat && path !== "/v1/completions") return json(response, 404, { error: { message: "no such route", type: "invalid_request_error" } });
    const promptTokens = fakeTokens(chat ? JSON.stringify(body?.["messages"] ?? "") : String(body?.["prompt"] ?? "")).length;
    const maxTokens = Number(body?.["max_tokens"] ?? body?.["max_completion_tokens"] ?? Infinity);
    const shaped = chat ? shapeChatAnswer(body ?? {}, text) : { text };
    const allTokens = fakeTokens(shaped.text);
    const tokens = allTokens.slice(0, maxTokens);
    const finishReason = tokens.length < allTokens.length ? "length" : "stop";
    // vLLM names the stop string that ended the answer; the Messages API's stop_sequence comes from it.
    const stopReason = finishReason === "stop" && shaped.stopped !== undefined ? { stop_reason: shaped.stopped } : {};
    const usage = { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length };
    const id = `fake-${calls.length}`;
    const created = 1_700_000_000;
    if (chat && behavior.kind === "ok") {
      // Tools, tool results, JSON modes and n > 1 get answers shaped by the request (see fake-answers.ts).
      const driven = requestDrivenChoices(body, text);
      if (driven !== undefined) {
        const meta = { id, created, model, promptTokens, maxTokens };
        finished = true;
        if (body?.["stream"] !== true) return json(response, 200, fakeChatCompletion(driven, meta), behavior.headers);
        const includeUsage = (body?.["stream_options"] as { include_usage?: boolean } | undefined)?.include_usage === true && behavior.omitUsage !== true;
        response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...behavior.headers });
        for (const chunk of fakeChatChunks(driven, meta, includeUsage)) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
        response.end("data: [DONE]\n\n");
        return;
      }
    }

    if (body?.["stream"] !== true) {
      if (behavior.kind === "malformed-json") return plain(response, "<html>oops</html>");
      const content = tokens.join("");
      const choice = chat ? { index: 0, message: { role: "assistant", content }, finish_reason: finishReason, ...stopReason, logprobs: null } : { index: 0, text: content, finish_reason: finishReason, logprobs: null };
      finished = true;
      return json(response, 200, { id, object: chat ? "chat.completion" : "text_completion", created, model, choices: [choice], usage }, behavior.kind === "ok" ? behavior.headers : undefined);
    }

    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...(behavior.kind === "ok" ? behavior.headers : {}) });
    const object = chat ? "chat.completion.chunk" : "text_completion";
    const chunkDelay = behavior.kind === "ok" || behavior.kind === "reset-mid-stream" ? (behavior.chunkDelayMs ?? 0) : 0;
    const tokenDelays = behavior.kind === "ok" ? behavior.tokenDelaysMs : undefined;
    const send = async (payload: unknown, delayMs = tokenDelays === undefined ? chunkDelay : 0): Promise<void> => {
      if (delayMs > 0) await sleep(delayMs);
      response.write(`data: ${JSON.stringify(payload)}\n\n`);
    };
    const choiceOf = (delta: Record<string, unknown>, finish: string | null): Record<string, unknown> =>
      chat ? { index: 0, delta, finish_reason: finish, logprobs: null } : { index: 0, text: String(delta["content"] ?? ""), finish_reason: finish, logprobs: null };
    if (chat) await send({ id, object, created, model, choices: [choiceOf({ role: "assistant", content: "" }, null)] });
    for (const [index, token] of tokens.entries()) {
      if (response.destroyed) return;
      if (behavior.kind === "reset-mid-stream" && index === behavior.afterChunks) {
        request.socket.destroy();
        return;
      }
      if (behavior.kind === "error-event" && index === behavior.afterChunks) {
        response.end(`data: ${JSON.stringify({ error: { message: "fake upstream failed mid-stream", type: "server_error", code: 500 } })}\n\n`);
        finished = true;
        return;
      }
      if (behavior.kind === "malformed-json" && index === 1) {
        response.end("data: {broken\n\n");
        finished = true;
        return;
      }
      await send({ id, object, created, model, choices: [choiceOf({ content: token }, null)] }, tokenDelays?.[index]);
    }
    await send({ id, object, created, model, choices: [{ ...choiceOf({}, finishReason), ...stopReason }] });
    const options = body?.["stream_options"] as { include_usage?: boolean } | undefined;
    const omitUsage = behavior.kind === "ok" && behavior.omitUsage === true;
    if (options?.include_usage === true && !omitUsage) await send({ id, object, created, model, choices: [], usage });
    finished = true;
    response.end(behavior.kind === "no-done" ? "" : "data: [DONE]\n\n");
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    calls,
    get defaultBehavior() {
      return state.defaultBehavior;
    },
    set defaultBehavior(behavior: FakeBehavior) {
      state.defaultBehavior = behavior;
    },
    get healthy() {
      return state.healthy;
    },
    set healthy(healthy: boolean) {
      state.healthy = healthy;
    },
    get reportedWaiting() {
      return state.reportedWaiting;
    },
    set reportedWaiting(waiting: number | undefined) {
      state.reportedWaiting = waiting;
    },
    enqueue: (...behaviors) => queue.push(...behaviors),
    openRequests: () => open,
    abortedRequests: () => aborted,
    peakOpenRequests: () => peakOpen,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The text of a plain chat answer: cut before the first `stop` string it contains, naming that string as vLLM does.
 * (Tools, tool results, JSON modes and n > 1 are answered from the request in fake-answers.ts.)
 */
function shapeChatAnswer(body: Record<string, unknown>, text: string): { text: string; stopped?: string } {
  const stops = typeof body["stop"] === "string" ? [body["stop"]] : Array.isArray(body["stop"]) ? (body["stop"] as string[]) : [];
  const hit = stops.map((stop) => ({ stop, at: text.indexOf(stop) })).filter((candidate) => candidate.at >= 0).sort((a, b) => a.at - b.at)[0];
  return hit === undefined ? { text } : { text: text.slice(0, hit.at), stopped: hit.stop };
}

/** A deterministic 8-dimensional unit vector for a text. */
export function fakeEmbedding(text: string): number[] {
  const digest = createHash("sha256").update(text).digest();
  const vector = Array.from({ length: 8 }, (_, index) => (digest[index] ?? 0) / 255 - 0.5);
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

/**
 * A 64-dimensional bag-of-words unit vector over the lowercased words longer than three letters: paraphrases that
 * differ in case, punctuation or short words land on the same vector. Being blind to "not" and to numbers, it mimics
 * the weakness of real embedders that the semantic cache's guard exists for.
 */
export function bagOfWordsEmbedding(text: string): number[] {
  const vector = new Array<number>(64).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]{4,}/g) ?? []) {
    const slot = createHash("sha256").update(word).digest()[0] ?? 0;
    vector[slot % 64] = (vector[slot % 64] ?? 0) + 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", () => resolve(""));
  });
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

function plain(response: ServerResponse, text: string): void {
  response.writeHead(200, { "content-type": "application/json" });
  response.end(text);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
