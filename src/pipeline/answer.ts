import type { JsonObject } from "../protocol/openai-responses.js";
import type { GenerateResult, StreamPart } from "./provider.js";

export type { StreamPart };
import type { RequestContext } from "./request-context.js";

/** Which OpenAI operation a pipeline request is. */
export type PipelineOperation = "chat" | "completion" | "embedding";

/** A validated request on its way through the answer stages. Stages may pass a rewritten copy to `next`. */
export interface PipelineRequest {
  readonly operation: PipelineOperation;
  /** The client's validated body; `model` is still the client-facing name. */
  readonly body: JsonObject & { readonly model: string; readonly stream?: boolean | null | undefined };
  /**
   * The body as the client sent it: the validated object and the bytes it was parsed from. Stages that rewrite
   * `body` pass this on unchanged, so `clientBody.body === body` tells that `bytes` still describe what is forwarded.
   */
  readonly clientBody?: { readonly body: JsonObject; readonly bytes: Uint8Array };
  /**
   * Cancels the work below the stage that set it, in place of `context.signal`: request coalescing runs one upstream
   * call for many clients, so that call must outlive any single client's disconnect.
   */
  readonly signal?: AbortSignal;
}

/** A whole JSON answer. */
export interface JsonAnswer {
  readonly kind: "json";
  readonly result: GenerateResult;
  readonly headers: Record<string, string>;
}

/**
 * An opened stream whose first part has already arrived: nothing has been sent to the client yet, so a stage
 * that fails before this point can still answer with a plain HTTP error (or be retried).
 */
export interface StreamAnswer {
  readonly kind: "stream";
  readonly first: IteratorResult<StreamPart>;
  readonly parts: AsyncIterator<StreamPart>;
  readonly headers: Record<string, string>;
}

export type Answer = JsonAnswer | StreamAnswer;

/** Produces the answer to a request. */
export type AnswerSource = (request: PipelineRequest) => Promise<Answer>;

/**
 * A stage around answering. It may answer by itself (a cache hit, a rules fast path), refuse (limits, scopes),
 * rewrite the request before calling `next` (PII redaction), or wrap what `next` answered (output redaction,
 * caching a finished stream, accounting).
 */
export interface AnswerStage {
  /** Names the stage in traces and in the composition root's stage list (`gantry.stage.<name>` spans). */
  readonly name: string;
  run(context: RequestContext, request: PipelineRequest, next: AnswerSource): Promise<Answer>;
}

/** Chains stages in order around the final source: the first stage sees the request first. */
export function composeStages(context: RequestContext, stages: readonly AnswerStage[], source: AnswerSource): AnswerSource {
  return stages.reduceRight<AnswerSource>((next, stage) => (request) => stage.run(context, request, next), source);
}
