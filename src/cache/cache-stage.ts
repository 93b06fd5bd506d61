import { createHash } from "node:crypto";
import { tenantOf } from "../pipeline/principal.js";
import type { RequestContext } from "../pipeline/request-context.js";
import type { CacheOutcome } from "../pipeline/accounting-record.js";
import type { Answer, AnswerStage, PipelineRequest } from "../pipeline/answer.js";
import { observeStream } from "../pipeline/stream-tap.js";
import type { JsonObject } from "../protocol/openai-responses.js";
import type { CacheConfig, ModelCacheConfig } from "./cache-config-schema.js";
import { cacheDirectives } from "./cache-control.js";
import type { CacheStore } from "./cache-store.js";
import { answerFromEntry, decodeEntry, encodeEntry, type CachedEntry } from "./cached-entry.js";
import { cacheKey, canonicalRequest, isDeterministic } from "./canonical-request.js";
import type { Embedder } from "./routed-embedder.js";
import { guardSignature, type GuardSignature } from "./semantic-guard.js";
import { createSemanticIndex, type SemanticIndex } from "./semantic-index.js";
import { createSingleFlight, type SingleFlight } from "./single-flight.js";
import { createStreamAssembler } from "./stream-assembler.js";

type Policy = Exclude<ModelCacheConfig, { mode: "off" }>;

export interface CacheStageDeps {
  config: { readonly cache: CacheConfig; readonly models: readonly { readonly name: string; readonly cache?: ModelCacheConfig | undefined }[] };
  store: CacheStore;
  /** Required for models with `mode: semantic`; those fall back to exact caching without one. */
  embedder?: Embedder;
  singleFlight?: SingleFlight;
  semanticIndex?: SemanticIndex;
}

/** Where a semantic lookup left off: the vector and guard to index the fresh answer under. */
interface SemanticProbe {
  readonly partition: string;
  readonly vector: Float32Array;
  readonly guard: GuardSignature;
}

/** Keys that are the question itself for the semantic index; every other parameter must match exactly. */
const questionKeys = new Set(["stream", "stream_options", "messages", "prompt"]);

/**
 * The cache stage: exact hits, then semantic hits, then coalescing identical in-flight requests; fresh complete
 * answers are stored. Models without a cache pay one Map lookup.
 */
export function createCacheStage(deps: CacheStageDeps): AnswerStage {
  const { store } = deps;
  const ttlMs = deps.config.cache.ttl_seconds * 1000;
  const coalesce = deps.config.cache.coalesce;
  const flights = deps.singleFlight ?? createSingleFlight();
  const index = deps.semanticIndex ?? createSemanticIndex({ maxEntriesPerPartition: deps.config.cache.semantic_max_entries, maxPartitions: deps.config.cache.semantic_max_partitions });
  const policies = new Map<string, Policy>();
  for (const model of deps.config.models) if (model.cache !== undefined && model.cache.mode !== "off") policies.set(model.name, model.cache);

  return {
    name: "cache",
    run: async (context, request, next) => {
      const policy = policies.get(request.body.model);
      if (policy === undefined) return next(request);
      const directives = cacheDirectives(context.request.headers);
      if (!cacheable(policy, request) || (!directives.lookup && !directives.store)) return labelled(context, await next(request), "bypass");
      const partition = policy.shared ? "shared" : tenantOf(context.principal);
      const key = cacheKey(partition, request.operation, request.body);
      let probe: SemanticProbe | undefined;
      if (directives.lookup) {
        const exact = await lookup(key);
        if (exact !== undefined) return serveHit(context, request, exact, "hit");
        if (policy.mode === "semantic" && request.operation !== "embedding" && deps.embedder !== undefined) {
          const found = await semanticLookup(context, request, policy, partition);
          if (found.hit !== undefined) return serveHit(context, request, found.hit, "semantic-hit");
          probe = found.probe;
        }
      }
      const produce = async (signal: AbortSignal): Promise<Answer> => {
        const answer = await next(signal === context.signal ? request : { ...request, signal });
        return directives.store ? storing(request, answer, key, probe) : answer;
      };
      // A refresh wants a fresh answer, so it never joins a call that started before it.
      if (!coalesce || !directives.lookup) return labelled(context, await produce(context.signal), "miss");
      const flightKey = `${key}|${request.body.stream === true ? "s" : "j"}|${asksUsage(request) ? "u" : ""}`;
      const { answer, joined } = await flights.run(flightKey, context.signal, produce);
      if (!joined) return labelled(context, answer, "miss");
      return labelled(context, answer, "coalesced");
    },
  };

  /** The stored entry; an unreadable one (another version's) reads as a miss. */
  async function lookup(key: string): Promise<CachedEntry | undefined> {
    const text = await store.get(key);
    return text === undefined ? undefined : decodeEntry(text);
  }

  function serveHit(context: RequestContext, request: PipelineRequest, entry: CachedEntry, outcome: CacheOutcome): Answer {
    context.facts.cache = outcome;
    return answerFromEntry(request, entry, outcome);
  }

  async function semanticLookup(
    context: RequestContext,
    request: PipelineRequest,
    policy: Extract<Policy, { mode: "semantic" }>,
    tenant: string,
  ): Promise<{ hit?: CachedEntry; probe?: SemanticProbe }> {
    const text = questionText(request.body);
    if (text === "" || deps.embedder === undefined) return {};
    let vector: Float32Array;
    try {
      vector = await deps.embedder(policy.embedding_model, text, context.signal, context.id);
    } catch (error) {
      // The embedder failing costs the semantic lookup, never the request.
      if (context.signal.aborted) throw error;
      return {};
    }
    const partition = createHash("sha256")
      .update(`${tenant}\n${canonicalRequest(request.operation, request.body, questionKeys)}`)
      .digest("hex");
    const guard = guardSignature(text);
    const probe = { partition, vector, guard };
    const match = index.find(partition, vector, guard, policy.threshold);
    if (match === undefined) return { probe };
    const hit = await lookup(match.key);
    if (hit === undefined) index.remove(partition, match.key);
    return hit === undefined ? { probe } : { hit, probe };
  }

  /** Stores a finished answer: a JSON one now, a stream once it completes whole (never a cut or failed one). */
  function storing(request: PipelineRequest, answer: Answer, key: string, probe: SemanticProbe | undefined): Answer {
    // A fallback model's answer is not this model's answer: serve it, do not remember it.
    if (answer.headers["x-gantry-fallback"] === "true") return answer;
    const save = (body: JsonObject): void => {
      void store.set(key, encodeEntry(body, answer.headers), ttlMs);
      if (probe !== undefined) index.add(probe.partition, probe.vector, probe.guard, key);
    };
    if (answer.kind === "json") {
      save(answer.result.body);
      return answer;
    }
    if (request.operation === "embedding") return answer;
    const assembler = createStreamAssembler(request.operation);
    return observeStream(answer, {
      part: (part) => assembler.add(part.chunk),
      end: (outcome) => {
        if (outcome.kind !== "done") return;
        const body = assembler.finish();
        if (body !== undefined) save(body);
      },
    });
  }
}

/** Whether this request may be cached at all under the model's policy. */
function cacheable(policy: Policy, request: PipelineRequest): boolean {
  const { body } = request;
  // Log probabilities cannot be rebuilt when a streamed answer is replayed as JSON or the other way round.
  if (body["logprobs"] === true || typeof body["logprobs"] === "number" || (typeof body["top_logprobs"] === "number" && body["top_logprobs"] > 0)) return false;
  return policy.nondeterministic || isDeterministic(request.operation, body);
}

function asksUsage(request: PipelineRequest): boolean {
  return (request.body["stream_options"] as { include_usage?: unknown } | undefined)?.include_usage === true;
}

function labelled(context: RequestContext, answer: Answer, outcome: CacheOutcome): Answer {
  context.facts.cache = outcome;
  return { ...answer, headers: { ...answer.headers, "x-gantry-cache": outcome } };
}

/** The question as text for embedding and the guard: the messages' text in order, or the prompt. */
function questionText(body: JsonObject): string {
  const messages = body["messages"];
  if (Array.isArray(messages)) {
    return messages
      .map((message: unknown) => {
        const content = (message as JsonObject | null)?.["content"];
        if (typeof content === "string") return content;
        if (!Array.isArray(content)) return "";
        return content.map((part: unknown) => ((part as JsonObject | null)?.["type"] === "text" ? String((part as JsonObject)["text"] ?? "") : "")).join(" ");
      })
      .join("\n");
  }
  const prompt = body["prompt"];
  return typeof prompt === "string" ? prompt : Array.isArray(prompt) ? prompt.map(String).join("\n") : "";
}
