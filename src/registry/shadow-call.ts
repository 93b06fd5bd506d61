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
