import { performance } from "node:perf_hooks";
import { request } from "undici";
import type { DrillTraffic } from "./drill-scenario.js";

/** What one client saw: success or the error type, the end-to-end latency, and who answered. */
export interface DrillSample {
  readonly errorType: string | undefined;
  readonly latencyMs: number;
  readonly deployment: string | undefined;
  readonly fallback: boolean;
}

export interface TrafficTarget {
  /** The gateway's base URL. */
  readonly url: string;
  /** A virtual key for gateways with auth on. */
  readonly apiKey: string | undefined;
}

/**
 * Sends `rate` chat requests per second for `durationMs` at a constant rate (bounded: rate × duration requests, at
 * most `max_in_flight` open at once), then waits for the last ones to answer or time out.
 */
export async function sendDrillTraffic(target: TrafficTarget, traffic: DrillTraffic, durationMs: number): Promise<DrillSample[]> {
  const count = Math.max(1, Math.floor((traffic.rate * durationMs) / 1000));
  const gapMs = 1000 / traffic.rate;
  const body = JSON.stringify({ model: traffic.model, messages: [{ role: "user", content: traffic.prompt }], max_tokens: traffic.max_tokens, ...(traffic.stream ? { stream: true } : {}) });
  const samples: DrillSample[] = [];
  const pending: Promise<void>[] = [];
  let inFlight = 0;
  const startedAt = performance.now();
  for (let index = 0; index < count; index++) {
    const wait = startedAt + index * gapMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight >= traffic.max_in_flight) {
      samples.push({ errorType: "client_overloaded", latencyMs: 0, deployment: undefined, fallback: false });
      continue;
    }
    inFlight++;
    pending.push(
      sendOne(target, traffic, body).then((sample) => {
        inFlight--;
        samples.push(sample);
      }),
    );
  }
  await Promise.all(pending);
  return samples;
}

async function sendOne(target: TrafficTarget, traffic: DrillTraffic, body: string): Promise<DrillSample> {
  const startedAt = performance.now();
  const sample = (errorType: string | undefined, headers: Record<string, string | string[] | undefined> = {}): DrillSample => ({
    errorType,
    latencyMs: performance.now() - startedAt,
    deployment: typeof headers["x-gantry-deployment"] === "string" ? headers["x-gantry-deployment"] : undefined,
    fallback: headers["x-gantry-fallback"] === "true",
  });
  try {
    const response = await request(`${target.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(target.apiKey === undefined ? {} : { authorization: `Bearer ${target.apiKey}` }) },
      body,
      signal: AbortSignal.timeout(traffic.timeout_s * 1000),
    });
    const text = await response.body.text();
    if (response.statusCode >= 400) return sample(errorCodeOf(text) ?? `http_${response.statusCode}`, response.headers);
    if (!traffic.stream) return sample(undefined, response.headers);
    return sample(streamProblem(text), response.headers);
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    return sample(name === "TimeoutError" || name === "AbortError" ? "client_timeout" : "connection_error");
  }
}

/** An SSE body's failure: an error event's code, a stream cut before `[DONE]`, or undefined when it completed. */
function streamProblem(text: string): string | undefined {
  for (const event of text.split("\n\n")) {
    if (!event.startsWith("data: {")) continue;
    const code = errorCodeOf(event.slice("data: ".length));
    if (code !== undefined) return `stream:${code}`;
  }
  return text.includes("data: [DONE]") ? undefined : "stream:incomplete";
}

/** The `error.code` of an OpenAI error envelope, if the text is one. */
function errorCodeOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; type?: unknown } };
    if (parsed.error === undefined) return undefined;
    const code = parsed.error.code ?? parsed.error.type;
    return typeof code === "string" || typeof code === "number" ? String(code) : "error";
  } catch {
    return undefined;
  }
}
