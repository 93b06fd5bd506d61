import { randomInt } from "node:crypto";
import { setMaxListeners } from "node:events";
import { TokenBias, type LlamaGrammar, type Token } from "node-llama-cpp";
import { GatewayError } from "../../errors/gateway-error.js";
import type { Usage } from "../../protocol/openai-responses.js";
import { createLlamaEngine, type LlamaEngineOptions, type ReadyEngine } from "../../engine/llama-engine.js";
import type { GenerationJob, GenerationOutcome } from "../../engine/generation-job.js";
import { CallDeadline } from "../call-deadline.js";
import type { EmbedCall, EmbedResult, GenerateCall, GenerateResult, Provider, StreamPart } from "../../pipeline/provider.js";
import { checkJsonSchema } from "./check-json-schema.js";
import { mergeGenerators } from "./merge-generators.js";
import { completeResponse, createResponseIdentity, createTextChunker, finishChunk, textChunk, usageChunk, type SerializedChunk } from "./openai-shapes.js";
import { encodeEmbedding, shapeEmbedding } from "../embedding-vectors.js";
import { readGenerationRequest, type GenerationRequest, type PromptInput } from "./read-generation-request.js";

export interface LlamaCppProviderOptions {
  readonly engine: LlamaEngineOptions;
  readonly timeouts: { readonly firstByteMs: number; readonly totalMs: number };
  /** L2-normalise embeddings (config `normalize`, default true), as OpenAI's are. */
  readonly normalize: boolean;
}

/** Creates the embedded llama.cpp provider: the model loads in the background while `state()` says `loading`. */
export function createLlamaCppProvider(options: LlamaCppProviderOptions): Provider {
  const engine = createLlamaEngine(options.engine);
  const label = `llama-cpp:${options.engine.modelName}`;

  /** Runs one call's jobs under its deadlines, yielding each choice's text and finally each choice's outcome. */
  async function* runJobs(call: GenerateCall, engineReady: ReadyEngine, request: GenerationRequest, deadline: CallDeadline): AsyncGenerator<{ choice: number; text: string } | { choice: number; outcome: GenerationOutcome }> {
    const jobs = await buildJobs(engineReady, request, call.operation);
    let first = true;
    const markFirst = (): void => {
      if (!first) return;
      first = false;
      deadline.firstByte();
    };
    if (jobs.length === 1 && jobs[0] !== undefined) {
      const run = engineReady.generate(jobs[0], deadline.signal);
      for (;;) {
        const step = await run.next();
        markFirst();
        if (step.done === true) {
          yield { choice: 0, outcome: step.value };
          return;
        }
        yield { choice: 0, text: step.value };
      }
    }
    // Every job of the call listens on the same signal while it queues.
    setMaxListeners(jobs.length + 10, deadline.signal);
    for await (const step of mergeGenerators(jobs.map((job) => engineReady.generate(job, deadline.signal)))) {
      markFirst();
      yield step.done ? { choice: step.index, outcome: step.value } : { choice: step.index, text: step.value };
    }
  }

  async function* stream(call: GenerateCall): AsyncGenerator<StreamPart> {
    const ready = engine.ready();
    const request = readGenerationRequest(call.operation, call.body);
    const identity = createResponseIdentity(call.operation, String(call.body["model"]));
    const deadline = new CallDeadline(call.signal, label, options.timeouts.totalMs, options.timeouts.firstByteMs);
    const outcomes: (GenerationOutcome | undefined)[] = [];
    const chunkers: ((text: string) => SerializedChunk)[] = [];
    try {
      for await (const step of runJobs(call, ready, request, deadline)) {
        const chunker = chunkers[step.choice];
        if ("outcome" in step) {
          outcomes[step.choice] = step.outcome;
          if (chunker === undefined && call.operation === "chat") yield part(textChunk(identity, step.choice, "", true));
          yield part(finishChunk(identity, step.choice, step.outcome.finishReason));
          continue;
        }
        if (chunker !== undefined) {
          yield { type: "chunk", ...chunker(step.text) };
          continue;
        }
        // A chat stream's first chunk also carries the role, as OpenAI's does.
        chunkers[step.choice] = createTextChunker(identity, step.choice);
        yield part(textChunk(identity, step.choice, step.text, call.operation === "chat"));
      }
    } catch (error) {
      throw deadline.signal.aborted && deadline.signal.reason instanceof Error ? deadline.signal.reason : error;
    } finally {
      deadline.dispose();
    }
    // Always sent so the gateway can account; hidden from clients that did not ask for it.
    const usage = totalUsage(request, outcomes);
    yield request.includeUsage ? part(usageChunk(identity, usage)) : { ...part(usageChunk(identity, usage)), internalUsage: true };
  }

  async function generate(call: GenerateCall): Promise<GenerateResult> {
    const ready = engine.ready();
    const request = readGenerationRequest(call.operation, call.body);
    const identity = createResponseIdentity(call.operation, String(call.body["model"]));
    const deadline = new CallDeadline(call.signal, label, options.timeouts.totalMs, options.timeouts.firstByteMs);
    const texts: string[] = [];
    const outcomes: (GenerationOutcome | undefined)[] = [];
    try {
      for await (const step of runJobs(call, ready, request, deadline)) {
        if ("outcome" in step) outcomes[step.choice] = step.outcome;
        else texts[step.choice] = (texts[step.choice] ?? "") + step.text;
      }
    } catch (error) {
      throw deadline.signal.aborted && deadline.signal.reason instanceof Error ? deadline.signal.reason : error;
    } finally {
      deadline.dispose();
    }
    const usage = totalUsage(request, outcomes);
    const choices = outcomes.map((outcome, index) => ({ text: texts[index] ?? "", finishReason: outcome?.finishReason ?? "stop" }));
    return { body: completeResponse(identity, choices, usage), usage };
  }

  async function embed(call: EmbedCall): Promise<EmbedResult> {
    const ready = engine.ready();
    if (ready.embed === undefined) throw new GatewayError("operation_not_supported", { message: `The model "${options.engine.modelName}" does not serve embeddings (set embeddings: true on its llama-cpp deployment).`, param: "model" });
    const input = call.body["input"];
    if (Array.isArray(input) && input.some((item) => typeof item !== "string")) throw new GatewayError("invalid_request", { message: "Token-array inputs are not supported by the llama-cpp provider; send text.", param: "input" });
    const inputs = typeof input === "string" ? [input] : (input as string[]);
    const { vectors, promptTokens } = await ready.embed(inputs, call.signal);
    const dimensions = typeof call.body["dimensions"] === "number" ? call.body["dimensions"] : undefined;
    const usage: Usage = { prompt_tokens: promptTokens, completion_tokens: 0, total_tokens: promptTokens };
    const data = vectors.map((vector, index) => ({ object: "embedding", index, embedding: encodeEmbedding(shapeEmbedding(vector, dimensions, options.normalize), call.body["encoding_format"]) }));
    return { body: { object: "list", data, model: call.body["model"], usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }, usage };
  }

  return {
    kind: "llama-cpp",
    label,
    generate,
    stream,
    embed,
    state: () => engine.state(),
    close: () => engine.close(),
  };
}

function part(chunk: StreamPart["chunk"]): StreamPart {
  return { type: "chunk", chunk };
}

/** One job per prompt per choice; choice i of a seeded request uses seed + i so the choices differ but repeat. */
async function buildJobs(engine: ReadyEngine, request: GenerationRequest, operation: GenerateCall["operation"]): Promise<GenerationJob[]> {
  if (request.prompts.length * request.n > engine.parallel) {
    throw new GatewayError("invalid_request", { message: `This deployment runs ${engine.parallel} sequences at once; ask for at most that many choices (prompts × n).`, param: "n" });
  }
  const grammar = await grammarFor(engine, request);
  const tokenBias = request.logitBias === undefined ? undefined : buildTokenBias(engine, request.logitBias);
  const jobs: GenerationJob[] = [];
  for (const prompt of request.prompts) {
    const rendered = renderPrompt(engine, prompt, operation);
    for (let choice = 0; choice < request.n; choice++) {
      jobs.push({
        prompt: rendered.tokens,
        maxTokens: request.maxTokens,
        sampling: {
          temperature: request.temperature,
          topP: request.topP,
          topK: request.topK,
          minP: request.minP,
          seed: request.seed === undefined ? randomInt(2 ** 32 - 1) : (request.seed + choice) >>> 0,
          presencePenalty: request.presencePenalty,
          frequencyPenalty: request.frequencyPenalty,
          repetitionPenalty: request.repetitionPenalty,
          ...(tokenBias === undefined ? {} : { tokenBias }),
        },
        stopStrings: [...request.stop, ...rendered.stopStrings],
        stopTokens: rendered.stopTokens,
        ignoreEos: request.ignoreEos,
        ...(grammar === undefined ? {} : { grammar }),
      });
    }
  }
  return jobs;
}

function renderPrompt(engine: ReadyEngine, prompt: PromptInput, operation: GenerateCall["operation"]): { tokens: Token[]; stopStrings: readonly string[]; stopTokens: ReadonlySet<Token> } {
  if (prompt.kind === "chat") return engine.chat.render(prompt.turns);
  if (prompt.kind === "text") return { tokens: engine.tokenize(prompt.text), stopStrings: [], stopTokens: new Set() };
  // An out-of-range id would crash llama.cpp's detokenizer (std::out_of_range), taking the process down.
  for (const token of prompt.tokens) checkToken(engine, token, operation === "chat" ? "messages" : "prompt");
  return { tokens: prompt.tokens as Token[], stopStrings: [], stopTokens: new Set() };
}

async function grammarFor(engine: ReadyEngine, request: GenerationRequest): Promise<LlamaGrammar | undefined> {
  const format = request.responseFormat;
  if (format.type === "text") return undefined;
  if (format.type === "json_object") return engine.grammars.json();
  checkJsonSchema(format.schema);
  try {
    return await engine.grammars.jsonSchema(format.schema);
  } catch (error) {
    throw new GatewayError("invalid_request", {
      message: `response_format.json_schema.schema cannot be enforced: ${error instanceof Error ? error.message : String(error)}`,
      param: "response_format.json_schema.schema",
      cause: error,
    });
  }
}

function buildTokenBias(engine: ReadyEngine, bias: Readonly<Record<string, number>>): TokenBias {
  const tokenBias = new TokenBias(engine.model.tokenizer);
  for (const [token, value] of Object.entries(bias)) {
    checkToken(engine, Number(token), "logit_bias");
    // OpenAI: -100 bans a token outright; other values shift its logit.
    tokenBias.set(Number(token) as Token, value <= -100 ? "never" : { logit: value });
  }
  return tokenBias;
}

function checkToken(engine: ReadyEngine, token: number, param: string): void {
  if (!Number.isInteger(token) || token < 0 || token >= engine.vocabularySize) {
    throw new GatewayError("invalid_request", { message: `Token ${token} is outside this model's vocabulary of ${engine.vocabularySize} tokens.`, param });
  }
}

/** Usage over all choices: each prompt counted once, every choice's completion tokens summed. */
function totalUsage(request: GenerationRequest, outcomes: readonly (GenerationOutcome | undefined)[]): Usage {
  let prompt = 0;
  let cached = 0;
  let completion = 0;
  outcomes.forEach((outcome, index) => {
    if (outcome === undefined) return;
    completion += outcome.completionTokens;
    if (index % request.n === 0) {
      prompt += outcome.promptTokens;
      cached += outcome.cachedTokens;
    }
  });
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } };
}

