import { createParser } from "eventsource-parser";
import type { Dispatcher } from "undici";
import type { BenchPrompt } from "./bench-prompt.js";
import { classifyNetworkError, errorMessage, type BenchErrorType } from "./error-type.js";
import type { RequestOutcome } from "./request-outcome.js";

export type Endpoint = "chat" | "completions";

export interface RequestRunnerOptions {
  dispatcher: Dispatcher;
  /** e.g. http://127.0.0.1:4000/v1 */
  baseUrl: string;
  endpoint: Endpoint;
  model: string;
  apiKey: string | undefined;
  /** Per request, from send to the end of the stream. */
  timeoutMs: number;
  ignoreEos: boolean;
}

/** Sends one prompt; resolves with its outcome and never rejects. */
export type SendRequest = (prompt: BenchPrompt, signal?: AbortSignal) => Promise<RequestOutcome>;

const maxErrorBody = 300;

/** Creates the function that sends one streaming request and times every chunk of its answer. */
export function createRequestRunner(options: RequestRunnerOptions): SendRequest {
  const url = new URL(options.baseUrl);
  const path = `${url.pathname.replace(/\/+$/, "")}${options.endpoint === "chat" ? "/chat/completions" : "/completions"}`;
  const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream" };
  if (options.apiKey !== undefined) headers["authorization"] = `Bearer ${options.apiKey}`;

  return async (prompt, signal) => {
    const body = JSON.stringify({
      model: options.model,
      ...(options.endpoint === "chat" ? { messages: prompt.messages } : { prompt: prompt.prompt }),
      max_tokens: prompt.maxOutputTokens,
      stream: true,
      stream_options: { include_usage: true },
      ...(options.ignoreEos ? { ignore_eos: true } : {}),
    });
    const controller = new AbortController();
    let stopReason: "timeout" | "cancelled" | undefined;
    const stop = (reason: "timeout" | "cancelled"): void => {
      stopReason ??= reason;
      controller.abort(new Error(reason));
    };
    const timer = setTimeout(() => stop("timeout"), options.timeoutMs);
    const onCancel = (): void => stop("cancelled");
    signal?.addEventListener("abort", onCancel, { once: true });
    if (signal?.aborted === true) stop("cancelled");

    const stream = createStreamReader();
    const sentAt = performance.now();
    const failed = (errorType: BenchErrorType, message: string, status?: number): RequestOutcome => ({
      ...stream.partial(),
      sentAt,
      endAt: performance.now(),
      ok: false,
      errorType,
      errorMessage: message,
      ...(status === undefined ? {} : { status }),
    });
    try {
      const response = await options.dispatcher.request({ origin: url.origin, path, method: "POST", headers, body, signal: controller.signal });
      if (response.statusCode !== 200) {
        const text = await response.body.text().catch(() => "");
        return failed(`http_${response.statusCode}`, text.slice(0, maxErrorBody), response.statusCode);
      }
      const contentType = String(response.headers["content-type"] ?? "");
      if (!contentType.includes("text/event-stream")) {
        // A server that ignores `stream: true` answers once: the whole answer is its first and last chunk.
        stream.readWholeBody(await response.body.text(), performance.now());
      } else {
        const decoder = new TextDecoder();
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          stream.feed(decoder.decode(chunk, { stream: true }), performance.now());
          if (stream.failure() !== undefined) break;
        }
      }
      const failure = stream.failure();
      if (failure !== undefined) return failed(failure.type, failure.message, 200);
      if (!stream.ended()) return failed("truncated_stream", "stream ended without finish_reason or [DONE]", 200);
      if (stream.partial().tokenChunkTimes.length === 0) return failed("no_tokens", "the answer carried no generated text", 200);
      const result = stream.partial();
      return { ...result, sentAt, endAt: performance.now(), ok: true, status: 200 };
    } catch (error) {
      if (stopReason !== undefined) return failed(stopReason, stopReason === "timeout" ? `no complete answer within ${options.timeoutMs} ms` : "run cancelled");
      return failed(classifyNetworkError(error), errorMessage(error));
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onCancel);
    }
  };
}

interface StreamFailure {
  type: BenchErrorType;
  message: string;
}

type PartialOutcome = Pick<RequestOutcome, "tokenChunkTimes" | "promptTokens" | "completionTokens" | "text">;

/** Follows an OpenAI-style SSE stream: which chunks carried text, usage, the end, or a failure. */
function createStreamReader(): {
  feed(text: string, at: number): void;
  readWholeBody(text: string, at: number): void;
  failure(): StreamFailure | undefined;
  ended(): boolean;
  partial(): PartialOutcome;
} {
  const tokenChunkTimes: number[] = [];
  const textParts: string[] = [];
  let promptTokens: number | undefined;
  let completionTokens: number | undefined;
  let failure: StreamFailure | undefined;
  let ended = false;
  let chunkTime = 0;

  const readPayload = (payload: unknown, at: number): void => {
    if (!isRecord(payload)) {
      failure ??= { type: "malformed_response", message: "event is not a JSON object" };
      return;
    }
    if (payload["error"] !== undefined && payload["error"] !== null) {
      const error = payload["error"];
      failure ??= { type: "stream_error", message: isRecord(error) && typeof error["message"] === "string" ? error["message"] : JSON.stringify(error).slice(0, maxErrorBody) };
      return;
    }
    const usage = payload["usage"];
    if (isRecord(usage)) {
      if (typeof usage["prompt_tokens"] === "number") promptTokens = usage["prompt_tokens"];
      if (typeof usage["completion_tokens"] === "number") completionTokens = usage["completion_tokens"];
    }
    const choices = payload["choices"];
    const choice = Array.isArray(choices) ? (choices[0] as unknown) : undefined;
    if (!isRecord(choice)) return;
    const text = generatedText(choice);
    if (text !== "") {
      tokenChunkTimes.push(at);
      textParts.push(text);
    }
    if (typeof choice["finish_reason"] === "string") ended = true;
  };

  const parser = createParser({
    onEvent: (event) => {
      if (failure !== undefined) return;
      if (event.data === "[DONE]") {
        ended = true;
        return;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(event.data);
      } catch {
        failure = { type: "malformed_response", message: `event is not JSON: ${event.data.slice(0, 80)}` };
        return;
      }
      readPayload(payload, chunkTime);
    },
  });

  return {
    feed: (text, at) => {
      // Every event parsed out of one network chunk arrived at the same instant.
      chunkTime = at;
      parser.feed(text);
    },
    readWholeBody: (text, at) => {
      try {
        readPayload(JSON.parse(text), at);
      } catch {
        failure = { type: "malformed_response", message: `body is not JSON: ${text.slice(0, 80)}` };
      }
    },
    failure: () => failure,
    ended: () => ended,
    partial: () => ({
      tokenChunkTimes,
      ...(promptTokens === undefined ? {} : { promptTokens }),
      ...(completionTokens === undefined ? { text: textParts.join("") } : { completionTokens }),
    }),
  };
}

/** The text a choice carries: chat delta content (or reasoning), or a completions `text`. */
function generatedText(choice: Record<string, unknown>): string {
  const delta = choice["delta"] ?? choice["message"];
  if (isRecord(delta)) {
    let text = "";
    for (const key of ["content", "reasoning_content", "reasoning"]) {
      const value = delta[key];
      if (typeof value === "string") text += value;
    }
    return text;
  }
  return typeof choice["text"] === "string" ? choice["text"] : "";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
