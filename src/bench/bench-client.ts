import { Pool } from "undici";
import { createRequestRunner, type RequestRunnerOptions, type SendRequest } from "./request-runner.js";

/** The runner's options, with the pool's size in place of a dispatcher. */
export interface BenchClientOptions extends Omit<RequestRunnerOptions, "dispatcher"> {
  /** Connections in the pool: the concurrency limit, or unlimited (undefined). */
  connections: number | undefined;
}

export interface BenchClient {
  send: SendRequest;
  close(): Promise<void>;
}

/** Creates an HTTP/1.1 keep-alive pool sized to the concurrency, and the runner that streams requests over it. */
export function createBenchClient(options: BenchClientOptions): BenchClient {
  const pool = new Pool(new URL(options.baseUrl).origin, {
    connections: options.connections ?? null,
    // The runner enforces --timeout over the whole request; undici's own timers would cut long generations short.
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 30_000,
  });
  const send = createRequestRunner({ ...options, dispatcher: pool });
  return { send, close: () => pool.close() };
}

/** The ids `GET {base}/models` lists, for picking a default --model as vLLM does. */
export async function listModels(baseUrl: string, apiKey: string | undefined, timeoutMs: number): Promise<string[]> {
  const url = `${baseUrl.replace(/\/+$/, "")}/models`;
  const response = await fetch(url, { headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  const body = (await response.json()) as { data?: Array<{ id?: unknown }> };
  return (body.data ?? []).flatMap((model) => (typeof model.id === "string" ? [model.id] : []));
}
