import type { JsonObject, Usage } from "../protocol/openai-responses.js";
import type { GenerateResult } from "../pipeline/provider.js";
import type { PipelineOperation } from "../pipeline/answer.js";
import { runAttempts, type AttemptProgress } from "../routing/attempt-loop.js";
import type { ModelRouter } from "../routing/model-router.js";
import type { RoutingTable } from "../routing/routing-table.js";

/**
 * One non-streamed call to a model's deployments outside the answer stages (no limits, no budget, no cache): retries
 * and the breaker apply, fallbacks do not, so the answer is always the model's own.
 */
export async function callModel(routing: RoutingTable, router: ModelRouter, operation: Exclude<PipelineOperation, "embedding">, body: JsonObject & { model: string }, signal: AbortSignal, requestId: string): Promise<GenerateResult> {
  const table: RoutingTable = { ...routing, get: () => undefined };
  const progress: AttemptProgress = { attempts: 0, model: router.model.name, deployment: undefined, fallbackPosition: 0 };
  const { value, lease } = await runAttempts(table, router, { body, headers: {} }, signal, progress, (deployment, attemptSignal) =>
    deployment.provider.generate({ operation, body: { ...body, model: deployment.upstreamModel }, signal: attemptSignal, requestId }),
  );
  lease.succeed();
  return value;
}

/**
 * Runs `call` with a signal that aborts when `stopped` does or after `timeoutMs`: one controller and one timer per
 * call. `AbortSignal.any` over `AbortSignal.timeout` costs more per call in node 20 (a composite signal tracked by weak
 * references on the long-lived `stopped`), and shadow traffic makes one per mirrored request.
 */
export async function withDeadline<T>(stopped: AbortSignal, timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onStop = (): void => controller.abort(stopped.reason);
  const timer = setTimeout(() => controller.abort(new DOMException(`The call did not finish within ${timeoutMs} ms.`, "TimeoutError")), timeoutMs);
  if (stopped.aborted) onStop();
  else stopped.addEventListener("abort", onStop, { once: true });
  try {
    return await call(controller.signal);
  } finally {
    clearTimeout(timer);
    stopped.removeEventListener("abort", onStop);
  }
}

const firstChoice = (body: JsonObject): Record<string, unknown> | undefined => {
  const choices = body["choices"];
  return Array.isArray(choices) && typeof choices[0] === "object" && choices[0] !== null ? (choices[0] as Record<string, unknown>) : undefined;
};

/** The first choice's text of a whole answer or of one stream chunk (chat message, chat delta or completion text). */
export function choiceText(body: JsonObject): string {
  const choice = firstChoice(body);
  if (choice === undefined) return "";
  if (typeof choice["text"] === "string") return choice["text"];
  const message = (choice["message"] ?? choice["delta"]) as { content?: unknown } | undefined;
  return typeof message?.content === "string" ? message.content : "";
}

/** The usage an answer reports, when it reports one. */
export function usageOf(result: GenerateResult): Usage | undefined {
  return result.usage ?? (result.body["usage"] as Usage | undefined);
}
