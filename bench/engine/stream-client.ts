import { performance } from "node:perf_hooks";
import { Pool } from "undici";

/** What one streamed request measured on the client side (vLLM bench semantics). */
export interface StreamTiming {
  /** Send → first chunk carrying text. */
  readonly ttftMs: number;
  /** Send → last chunk. */
  readonly e2eMs: number;
  /** Completion tokens as the server's usage chunk counted them. */
  readonly tokens: number;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly text: string;
}

/** A lean SSE client over one keep-alive pool: parsing stays cheap so the client does not skew the server's numbers. */
export function createStreamClient(origin: string, connections: number): { post(path: string, body: Record<string, unknown>): Promise<StreamTiming>; close(): Promise<void> } {
  const pool = new Pool(origin, { connections, pipelining: 1 });
  return {
    async post(path, body) {
      const start = performance.now();
      const response = await pool.request({ path, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }) });
      if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${await response.body.text()}`);
      response.body.setEncoding("utf8");
      let buffer = "";
      let ttftMs: number | undefined;
      let tokens = 0;
      let promptTokens = 0;
      let cachedTokens = 0;
      let text = "";
      for await (const piece of response.body) {
        buffer += piece as string;
        for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
          const chunk = JSON.parse(event.slice(6)) as { choices: { text?: string; delta?: { content?: string } }[]; usage?: { completion_tokens: number; prompt_tokens: number; prompt_tokens_details?: { cached_tokens?: number } } };
          if (chunk.usage !== undefined) {
            tokens = chunk.usage.completion_tokens;
            promptTokens = chunk.usage.prompt_tokens;
            cachedTokens = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
          }
          const piece = chunk.choices[0]?.text ?? chunk.choices[0]?.delta?.content ?? "";
          if (piece === "") continue;
          if (ttftMs === undefined) ttftMs = performance.now() - start;
          text += piece;
        }
      }
      return { ttftMs: ttftMs ?? Number.NaN, e2eMs: performance.now() - start, tokens, promptTokens, cachedTokens, text };
    },
    close: () => pool.close(),
  };
}
