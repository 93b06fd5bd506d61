import { Readable } from "node:stream";
import { Pool, type Dispatcher } from "undici";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { UpstreamError } from "../../errors/gateway-error.js";
import { isUsageOnlyChunk, readUsage, type JsonObject } from "../../protocol/openai-responses.js";
import type { EmbedCall, EmbedResult, GenerateCall, GenerateResult, Provider, ProviderState, StreamPart } from "../../pipeline/provider.js";
import { CallDeadline } from "../call-deadline.js";
import { normalizeEmbeddingsBody } from "../embedding-vectors.js";
import { encodeJsonBody } from "./encode-json-body.js";
import { mapTransportFailure, mapUpstreamStatus } from "./map-upstream-failure.js";

/** What the adapter needs to know about one OpenAI-compatible deployment. */
export interface OpenAiCompatibleOptions {
  baseUrl: string;
  apiKey?: string;
  headers?: Readonly<Record<string, string>>;
  maxConnections: number;
  streamUsage: boolean;
  /** L2-normalise embeddings the upstream sends (config `normalize: true`); otherwise they pass as sent. */
  normalize?: boolean;
  timeouts: { connectMs: number; firstByteMs: number; idleMs: number; totalMs: number };
  /** Injected for tests; defaults to a keep-alive undici Pool on the base URL's origin. */
  dispatcher?: Dispatcher;
}

const operationPaths = { chat: "/chat/completions", completion: "/completions" } as const;

/** Creates the adapter for vLLM, SGLang, TGI, Ollama, llama.cpp server and hosted OpenAI-compatible APIs. */
export function createOpenAiCompatibleProvider(options: OpenAiCompatibleOptions): Provider {
  const url = new URL(options.baseUrl);
  const basePath = url.pathname.replace(/\/+$/, "");
  const label = `${url.origin}${basePath}`;
  const dispatcher =
    options.dispatcher ??
    new Pool(url.origin, {
      connections: options.maxConnections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: options.timeouts.connectMs },
      headersTimeout: options.timeouts.firstByteMs,
      bodyTimeout: options.timeouts.idleMs,
    });
  const baseHeaders: Record<string, string> = { "content-type": "application/json", accept: "application/json", ...options.headers };
  if (options.apiKey !== undefined) baseHeaders["authorization"] = `Bearer ${options.apiKey}`;

  async function post(path: string, body: JsonObject, call: { signal: AbortSignal; requestId: string; headers?: Readonly<Record<string, string>> }, deadline: CallDeadline): Promise<Dispatcher.ResponseData> {
    try {
      const encoded = encodeJsonBody(body);
      const headers = call.headers === undefined ? { ...baseHeaders, "x-request-id": call.requestId } : { ...baseHeaders, ...call.headers, "x-request-id": call.requestId };
      if (typeof encoded === "string") return await dispatcher.request({ origin: url.origin, path: basePath + path, method: "POST", headers, body: encoded, signal: deadline.signal });
      // A body holding a large string goes out as the pieces it was encoded in, with its length: never one big buffer.
      const pieces = await encoded;
      const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
      return await dispatcher.request({ origin: url.origin, path: basePath + path, method: "POST", headers: { ...headers, "content-length": String(length) }, body: Readable.from(pieces), signal: deadline.signal });
    } catch (error) {
      throw mapTransportFailure(label, error, call.signal, deadline.signal);
    }
  }

  async function readJson(response: Dispatcher.ResponseData, call: { signal: AbortSignal }, deadline: CallDeadline): Promise<{ body: JsonObject; raw: string }> {
    let raw: string;
    try {
      raw = await response.body.text();
    } catch (error) {
      throw mapTransportFailure(label, error, call.signal, deadline.signal);
    }
    if (response.statusCode < 200 || response.statusCode >= 300) throw mapUpstreamStatus(label, response.statusCode, response.headers, raw);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new UpstreamError("upstream_bad_response", { provider: label, upstreamStatus: response.statusCode, upstreamBody: raw.slice(0, 2048) });
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new UpstreamError("upstream_bad_response", { provider: label, message: "the upstream answered with JSON that is not an object", upstreamBody: raw.slice(0, 2048) });
    }
    return { body: parsed as JsonObject, raw };
  }

  async function unary(path: string, body: JsonObject, call: { signal: AbortSignal; requestId: string; headers?: Readonly<Record<string, string>> }): Promise<GenerateResult> {
    const deadline = new CallDeadline(call.signal, label, options.timeouts.totalMs, options.timeouts.firstByteMs);
    try {
      const response = await post(path, body, call, deadline);
      deadline.firstByte();
      const result = await readJson(response, call, deadline);
      const usage = readUsage(result.body);
      return usage === undefined ? result : { ...result, usage };
    } finally {
      deadline.dispose();
    }
  }

  async function* stream(call: GenerateCall): AsyncGenerator<StreamPart> {
    const clientAskedUsage = (call.body["stream_options"] as { include_usage?: unknown } | undefined)?.include_usage === true;
    const askUsage = options.streamUsage && !clientAskedUsage;
    const body = askUsage ? { ...call.body, stream: true, stream_options: { ...(call.body["stream_options"] as object | undefined), include_usage: true } } : { ...call.body, stream: true };
    const deadline = new CallDeadline(call.signal, label, options.timeouts.totalMs, options.timeouts.firstByteMs);
    let response: Dispatcher.ResponseData | undefined;
    let done = false;
    try {
      response = await post(operationPaths[call.operation], body, call, deadline);
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await readJson(response, call, deadline);
        return;
      }
      const events: EventSourceMessage[] = [];
      const parser = createParser({ onEvent: (event) => events.push(event) });
      const decoder = new TextDecoder();
      try {
        // Not destroyed on [DONE]: destroying an unfinished body builds an AbortError (with its stack) per stream and
        // can cost the keep-alive connection; the few bytes left are drained in `finally` instead.
        for await (const bytes of response.body.iterator({ destroyOnReturn: false })) {
          parser.feed(decoder.decode(bytes as Buffer, { stream: true }));
          for (const event of events) {
            if (event.data === "[DONE]") {
              done = true;
              break;
            }
            deadline.firstByte();
            yield toPart(event.data, askUsage);
          }
          events.length = 0;
          if (done) break;
        }
      } catch (error) {
        if (error instanceof UpstreamError) throw error;
        throw mapTransportFailure(label, error, call.signal, deadline.signal);
      }
      if (!done) throw new UpstreamError("upstream_stream_incomplete", { provider: label, message: "the upstream stream ended without [DONE]" });
    } finally {
      deadline.dispose();
      // Stops reading the upstream at once when the consumer left early (client disconnect) or the stream failed.
      if (response !== undefined && !response.body.destroyed) {
        // The iterator no longer listens, so the abort error a destroyed body emits is caught here.
        const rest = response.body.on("error", () => undefined);
        if (done) rest.resume();
        else rest.destroy();
      }
    }
  }

  function toPart(data: string, askedUsageOnClientsBehalf: boolean): StreamPart {
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      throw new UpstreamError("upstream_bad_response", { provider: label, message: "the upstream sent a stream event that is not JSON", upstreamBody: data.slice(0, 2048) });
    }
    if (chunk === null || typeof chunk !== "object" || Array.isArray(chunk)) {
      throw new UpstreamError("upstream_bad_response", { provider: label, message: "the upstream sent a stream event that is not an object", upstreamBody: data.slice(0, 2048) });
    }
    const object = chunk as JsonObject;
    if ("error" in object && !("choices" in object)) {
      const detail = object["error"];
      const message = typeof detail === "object" && detail !== null && typeof (detail as JsonObject)["message"] === "string" ? String((detail as JsonObject)["message"]) : "the upstream failed mid-stream";
      throw new UpstreamError("upstream_error", { provider: label, message, upstreamBody: data.slice(0, 2048) });
    }
    return askedUsageOnClientsBehalf && isUsageOnlyChunk(object) ? { type: "chunk", chunk: object, raw: data, internalUsage: true } : { type: "chunk", chunk: object, raw: data };
  }

  return {
    kind: "openai-compatible",
    label,
    generate: (call: GenerateCall) => unary(operationPaths[call.operation], { ...call.body, stream: false }, call),
    stream,
    embed: async (call: EmbedCall): Promise<EmbedResult> => {
      const result = await unary("/embeddings", call.body, call);
      if (options.normalize !== true) return result;
      const { raw: _stale, ...rest } = result;
      return { ...rest, body: normalizeEmbeddingsBody(result.body) };
    },
    state: (): ProviderState => ({ state: "ready" }),
    close: async () => {
      if (options.dispatcher === undefined) await dispatcher.destroy();
    },
  };
}
