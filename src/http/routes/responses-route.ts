import { randomUUID } from "node:crypto";
import { GatewayError } from "../../errors/gateway-error.js";
import { toErrorResponse } from "../../errors/to-error-response.js";
import { chatCompletionRequestSchema } from "../../protocol/openai-requests.js";
import { readUsage, type JsonObject } from "../../protocol/openai-responses.js";
import { chatCompletionToOutput, outputItemToChatMessage, outputToChatMessages, responseIdOfItem, responseObject, type ResponseIdentity } from "../../protocol/responses-object.js";
import { refuseUnservableResponsesFields, responsesRequestSchema } from "../../protocol/responses-request.js";
import { createResponsesStreamTranslator, type ResponsesEvent } from "../../protocol/responses-stream.js";
import { referencedItemIds, responsesToChat } from "../../protocol/responses-to-chat.js";
import { validateRequest } from "../../protocol/validate-request.js";
import type { Logger } from "../../pipeline/logger.js";
import { tenantOf } from "../../pipeline/principal.js";
import type { ResponseStore, StoredResponse } from "../../store/response-store.js";
import { readValidatedJson } from "../read-json-body.js";
import type { MethodHandlers } from "../route-table.js";
import { runPipeline, type PipelineDeps } from "../run-pipeline.js";
import { sendJson } from "../send.js";
import { sseEvent } from "../sse-writer.js";
import type { AnswerEncoder } from "../write-answer.js";

export interface ResponsesRouteDeps extends PipelineDeps {
  /** Where stored responses live; undefined = nothing is stored (`responses.store: false`). */
  store: Pick<ResponseStore, "putResponse" | "getResponse" | "deleteResponse"> | undefined;
  ttlMs: number;
  /** Epoch milliseconds. */
  now: () => number;
  logger: Logger;
}

/**
 * The OpenAI Responses API over the chat pipeline: POST /v1/responses translates to a chat request at the edge and
 * the answer back; GET and DELETE /v1/responses/:id read and delete the caller's tenant's stored responses.
 */
export function createResponsesRoutes(deps: ResponsesRouteDeps): Map<string, MethodHandlers> {
  // Writes still on their way to the database, so a follow-up right after a create reads its own write.
  const pending = new Map<string, Promise<void>>();

  async function load(id: string, tenant: string): Promise<StoredResponse | undefined> {
    await pending.get(id);
    return deps.store?.getResponse(id, tenant, deps.now());
  }

  function save(tenant: string, response: JsonObject, conversation: readonly JsonObject[]): void {
    const store = deps.store;
    if (store === undefined) return;
    const id = String(response["id"]);
    const time = deps.now();
    const write = store
      .putResponse({ id, tenant, time, expiresAt: time + deps.ttlMs, response: JSON.stringify(response), conversation: JSON.stringify(conversation) })
      .catch((error: unknown) => deps.logger.warn({ err: error, response_id: id }, "storing a response failed"))
      .finally(() => pending.delete(id));
    pending.set(id, write);
  }

  /** The chat messages that `item_reference` inputs name, loaded from the tenant's stored responses. */
  async function loadReferences(ids: readonly string[], tenant: string): Promise<Map<string, JsonObject>> {
    const references = new Map<string, JsonObject>();
    const responses = new Map<string, JsonObject | undefined>();
    for (const itemId of ids) {
      const responseId = responseIdOfItem(itemId);
      if (responseId === undefined) continue;
      if (!responses.has(responseId)) {
        const row = await load(responseId, tenant);
        responses.set(responseId, row === undefined ? undefined : (JSON.parse(row.response) as JsonObject));
      }
      const item = ((responses.get(responseId)?.["output"] as JsonObject[] | undefined) ?? []).find((candidate) => candidate["id"] === itemId);
      if (item !== undefined) references.set(itemId, outputItemToChatMessage(item));
    }
    return references;
  }

  return new Map<string, MethodHandlers>([
    [
      "/v1/responses",
      {
        POST: async (context) => {
          const { value: parsed } = await readValidatedJson(context.request, deps.body, (raw) => validateRequest(responsesRequestSchema, raw));
          refuseUnservableResponsesFields(parsed);
          const tenant = tenantOf(context.principal);
          const stored = parsed.store !== false && deps.store !== undefined;
          const request = { ...parsed, store: stored };
          let previous: readonly JsonObject[] = [];
          if (typeof request.previous_response_id === "string") {
            const row = await load(request.previous_response_id, tenant);
            if (row === undefined) throw new GatewayError("response_not_found", { message: `Previous response with id '${request.previous_response_id}' not found.`, param: "previous_response_id" });
            previous = JSON.parse(row.conversation) as JsonObject[];
          }
          const translated = responsesToChat(request, previous, await loadReferences(referencedItemIds(request.input), tenant));
          const body = validateRequest(chatCompletionRequestSchema, translated.body);
          const identity: ResponseIdentity = { key: randomUUID().replaceAll("-", ""), createdAt: Math.floor(deps.now() / 1000), request };
          const finished = (response: JsonObject, output: readonly JsonObject[]): void => {
            if (stored) save(tenant, response, [...translated.conversation, ...outputToChatMessages(output)]);
          };
          const translator = createResponsesStreamTranslator(identity, request.model);
          const frames = (events: readonly ResponsesEvent[]): string => events.map(sseEvent).join("");
          const encoder: AnswerEncoder = {
            json(result) {
              const { output, finishReason } = chatCompletionToOutput(result.body, identity.key);
              const response = responseObject(identity, request.model, { status: "completed", output, usage: result.usage ?? readUsage(result.body), finishReason });
              finished(response, output);
              return response;
            },
            start: () => frames(translator.start()),
            part: (part) => frames(translator.chunk(part.chunk)),
            end() {
              const { events, response } = translator.finish();
              finished(response, response["output"] as JsonObject[]);
              return frames(events);
            },
            fail: (error) => frames(translator.fail(toErrorResponse(error).body.error)),
          };
          await runPipeline(context, deps, { operation: "chat", body }, encoder);
        },
      },
    ],
    [
      "/v1/responses/:id",
      {
        GET: async (context) => {
          const id = context.params["id"] ?? "";
          const row = await load(id, tenantOf(context.principal));
          if (row === undefined) throw notFound(id);
          sendJson(context.response, 200, row.response);
        },
        DELETE: async (context) => {
          const id = context.params["id"] ?? "";
          await pending.get(id);
          if (deps.store === undefined || !(await deps.store.deleteResponse(id, tenantOf(context.principal)))) throw notFound(id);
          sendJson(context.response, 200, { id, object: "response", deleted: true });
        },
      },
    ],
  ]);
}

function notFound(id: string): GatewayError {
  return new GatewayError("response_not_found", { message: `Response with id '${id}' not found.` });
}
