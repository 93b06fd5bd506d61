/** One answer of a model through the gateway, with what it cost and who answered it. */
export interface GatewayAnswer {
  readonly output: string;
  readonly latencyMs: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** From `x-gantry-cost-usd`; 0 when the server does not send it (a plain OpenAI-compatible server). */
  readonly costUsd: number;
  readonly model: string | undefined;
  readonly modelVersion: string | undefined;
  readonly deployment: string | undefined;
  /** Set when the call failed (HTTP error or network): the item then fails with it. */
  readonly error?: string;
  /** Served from the eval answer cache: nothing was spent. */
  readonly cached: boolean;
}

/** The calls an eval run makes: answers from the target and judges, and embeddings. */
export interface EvalClient {
  answer(endpoint: "chat" | "completions", body: Readonly<Record<string, unknown>>): Promise<GatewayAnswer>;
  embed(model: string, texts: readonly string[]): Promise<{ vectors: number[][]; costUsd: number }>;
}

export interface GatewayClientOptions {
  /** Base URL including /v1. */
  readonly baseUrl: string;
  readonly apiKey?: string | undefined;
  readonly timeoutMs?: number;
  /** Monotonic milliseconds, for latency. */
  readonly now?: () => number;
}

/** A target naming a registry version: `story@2`, `story@canary`. */
const versionPin = /^(.+)@([a-z0-9][a-z0-9_-]{0,63})$/;

const header = (headers: Headers, name: string): string | undefined => headers.get(name) ?? undefined;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

function answerText(endpoint: "chat" | "completions", body: Json): string {
  const choice: unknown = Array.isArray(body["choices"]) ? body["choices"][0] : undefined;
  if (!isObject(choice)) return "";
  if (endpoint === "completions") return typeof choice["text"] === "string" ? choice["text"] : "";
  const message = choice["message"];
  return isObject(message) && typeof message["content"] === "string" ? message["content"] : "";
}

/**
 * Calls the gateway's OpenAI-compatible API; a model named `MODEL@VERSION` is sent as MODEL pinned to that registry
 * version (the key needs the `models:pin` scope when auth is on). Every call sends `x-gantry-cache: bypass`: a repeat must be a fresh
 * sample, not the gateway cache's copy of the first (reruns are made free by the eval answer cache instead).
 */
export function createGatewayClient(options: GatewayClientOptions): EvalClient {
  const now = options.now ?? (() => performance.now());
  const base = options.baseUrl.replace(/\/+$/, "");
  const headers: Record<string, string> = { "content-type": "application/json", "x-gantry-cache": "bypass", ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }) };
  const post = (path: string, body: Readonly<Json>): Promise<Response> => {
    const pinned = typeof body["model"] === "string" ? versionPin.exec(body["model"]) : null;
    // `MODEL@VERSION` (a version number or an alias) asks Gantry's registry for that version with its pin header.
    const sent = pinned?.[1] === undefined || pinned[2] === undefined ? { body, headers } : { body: { ...body, model: pinned[1] }, headers: { ...headers, "x-gantry-version": pinned[2] } };
    return fetch(`${base}${path}`, { method: "POST", headers: sent.headers, body: JSON.stringify(sent.body), signal: AbortSignal.timeout(options.timeoutMs ?? 300_000) });
  };
  return {
    async answer(endpoint, body) {
      const started = now();
      const failed = (error: string, model?: string): GatewayAnswer => ({ output: "", latencyMs: now() - started, promptTokens: 0, completionTokens: 0, costUsd: 0, model, modelVersion: undefined, deployment: undefined, error, cached: false });
      let response: Response;
      let parsed: unknown;
      try {
        response = await post(endpoint === "chat" ? "/chat/completions" : "/completions", body);
        parsed = await response.json();
      } catch (error) {
        return failed(error instanceof Error ? error.message : String(error));
      }
      const latencyMs = now() - started;
      if (!response.ok || !isObject(parsed)) {
        const message = isObject(parsed) && isObject(parsed["error"]) ? String(parsed["error"]["message"]) : "";
        return failed(`HTTP ${response.status}${message === "" ? "" : `: ${message}`}`);
      }
      const usage = isObject(parsed["usage"]) ? parsed["usage"] : {};
      return {
        output: answerText(endpoint, parsed),
        latencyMs,
        promptTokens: Number(usage["prompt_tokens"] ?? 0),
        completionTokens: Number(usage["completion_tokens"] ?? 0),
        costUsd: Number(header(response.headers, "x-gantry-cost-usd") ?? 0),
        model: header(response.headers, "x-gantry-model") ?? (typeof parsed["model"] === "string" ? parsed["model"] : undefined),
        modelVersion: header(response.headers, "x-gantry-model-version"),
        deployment: header(response.headers, "x-gantry-deployment"),
        cached: false,
      };
    },
    async embed(model, texts) {
      const response = await post("/embeddings", { model, input: texts });
      const parsed: unknown = await response.json();
      if (!response.ok || !isObject(parsed) || !Array.isArray(parsed["data"])) throw new Error(`embeddings from ${model}: HTTP ${response.status}`);
      const vectors = parsed["data"].map((entry: unknown) => (isObject(entry) && Array.isArray(entry["embedding"]) ? entry["embedding"].map(Number) : []));
      return { vectors, costUsd: Number(header(response.headers, "x-gantry-cost-usd") ?? 0) };
    },
  };
}
