import type { Dispatcher } from "undici";
import type { BenchPrompt } from "./bench-prompt.js";
import { classifyNetworkError, errorMessage, type BenchErrorType } from "./error-type.js";
import type { RequestOutcome } from "./request-outcome.js";
import { createStreamReader } from "./stream-reader.js";

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
