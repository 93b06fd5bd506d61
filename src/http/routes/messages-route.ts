import { randomUUID } from "node:crypto";
import { GatewayError } from "../../errors/gateway-error.js";
import { toAnthropicErrorResponse } from "../../protocol/anthropic-error.js";
import { chatCompletionToAnthropic } from "../../protocol/anthropic-message.js";
import { anthropicCountTokensRequestSchema, anthropicMessagesRequestSchema, anthropicToChat } from "../../protocol/anthropic-request.js";
import { createAnthropicStreamTranslator, type AnthropicEvent } from "../../protocol/anthropic-stream.js";
import { chatCompletionRequestSchema } from "../../protocol/openai-requests.js";
import { readUsage } from "../../protocol/openai-responses.js";
import { countTextsBounded, promptTokens, type CountTokens } from "../../limits/prompt-tokens.js";
import { validateRequest } from "../../protocol/validate-request.js";
import { readValidatedJson } from "../read-json-body.js";
import type { MethodHandlers } from "../route-table.js";
import { runPipeline, type PipelineDeps } from "../run-pipeline.js";
import { sendJson } from "../send.js";
import { sseEvent } from "../sse-writer.js";
import type { AnswerEncoder } from "../write-answer.js";

export interface MessagesRouteDeps extends PipelineDeps {
  /** The tokenizer count_tokens uses: the limiter's (o200k), so the count is what limits charge. */
  countTokens: CountTokens;
}

/** Anthropic's Messages API over the chat pipeline: POST /v1/messages and /v1/messages/count_tokens. */
export function createMessagesRoutes(deps: MessagesRouteDeps): Map<string, MethodHandlers> {
  return new Map<string, MethodHandlers>([
    [
      "/v1/messages",
      {
        POST: async (context) => {
          const { value: request } = await readValidatedJson(context.request, deps.body, (raw) => validateRequest(anthropicMessagesRequestSchema, raw));
          const body = validateRequest(chatCompletionRequestSchema, anthropicToChat(request));
          const id = `msg_${randomUUID().replaceAll("-", "")}`;
          const translator = createAnthropicStreamTranslator(id, request.model, request.stop_sequences);
          const frames = (events: readonly AnthropicEvent[]): string => events.map(sseEvent).join("");
          const encoder: AnswerEncoder = {
            json: (result) => chatCompletionToAnthropic(result.body, id, request.model, result.usage ?? readUsage(result.body), request.stop_sequences),
            start: () => frames(translator.start()),
            part: (part) => frames(translator.chunk(part.chunk)),
            end: () => frames(translator.finish()),
            fail: (error) => sseEvent(toAnthropicErrorResponse(error).body),
          };
          await runPipeline(context, deps, { operation: "chat", body }, encoder);
        },
      },
    ],
    [
      "/v1/messages/count_tokens",
      {
        POST: async (context) => {
          const { value: request } = await readValidatedJson(context.request, deps.body, (raw) => validateRequest(anthropicCountTokensRequestSchema, raw));
          context.facts.model = request.model;
          if (deps.routing.get(request.model) === undefined) throw new GatewayError("model_not_found", { message: `The model "${request.model}" does not exist.`, param: "model" });
          const body = anthropicToChat(request);
          // Tool definitions are part of the prompt a model sees, as Anthropic counts them.
          const tools = Array.isArray(body["tools"]) ? countTextsBounded([JSON.stringify(body["tools"])], deps.countTokens) : 0;
          sendJson(context.response, 200, { input_tokens: promptTokens("chat", body, deps.countTokens) + tools });
        },
      },
    ],
  ]);
}
