import { firstChoice, readUsage, type JsonObject, type Usage } from "./openai-responses.js";
import { functionCallItem, messageItem, outputText, responseObject, type ResponseIdentity } from "./responses-object.js";

/** One Responses SSE event: `type` is also its SSE event name. */
export type ResponsesEvent = JsonObject & { readonly type: string };

/** Turns chat.completion.chunk objects into the Responses API's stream events, keeping the output as it grows. */
export interface ResponsesStreamTranslator {
  /** response.created and response.in_progress. */
  start(): ResponsesEvent[];
  chunk(chunk: JsonObject): ResponsesEvent[];
  /** Closes the open items and ends with response.completed (or response.incomplete); `response` is the final object. */
  finish(): { events: ResponsesEvent[]; response: JsonObject };
  /** An error event and response.failed, for a failure after the stream began. */
  fail(error: { code: string; message: string; param: string | null }): ResponsesEvent[];
}

interface ToolCallState {
  readonly outputIndex: number;
  readonly id: string;
  readonly callId: string;
  name: string;
  arguments: string;
}

/** Creates the translator for one streamed response. */
export function createResponsesStreamTranslator(identity: ResponseIdentity, model: string): ResponsesStreamTranslator {
  const { key } = identity;
  const output: JsonObject[] = [];
  let sequence = 0;
  let text: { outputIndex: number; id: string; text: string } | undefined;
  const toolCalls = new Map<number, ToolCallState>();
  let usage: Usage | undefined;
  let finishReason: string | undefined;

  const event = (type: string, fields: JsonObject): ResponsesEvent => ({ type, sequence_number: sequence++, ...fields });
  const snapshot = (status: "in_progress" | "completed" | "failed", error?: JsonObject): JsonObject => responseObject(identity, model, { status, output, usage, finishReason, error });

  function closeText(events: ResponsesEvent[]): void {
    if (text === undefined) return;
    const { outputIndex, id } = text;
    const base = { item_id: id, output_index: outputIndex, content_index: 0 };
    events.push(event("response.output_text.done", { ...base, text: text.text, logprobs: [] }));
    events.push(event("response.content_part.done", { ...base, part: outputText(text.text) }));
    output[outputIndex] = messageItem(id, text.text, "completed");
    events.push(event("response.output_item.done", { output_index: outputIndex, item: output[outputIndex] }));
    text = undefined;
  }

  function closeToolCalls(events: ResponsesEvent[]): void {
    for (const call of toolCalls.values()) {
      events.push(event("response.function_call_arguments.done", { item_id: call.id, output_index: call.outputIndex, name: call.name, arguments: call.arguments }));
      output[call.outputIndex] = functionCallItem(call.id, call.callId, call.name, call.arguments, "completed");
      events.push(event("response.output_item.done", { output_index: call.outputIndex, item: output[call.outputIndex] }));
    }
    toolCalls.clear();
  }

  return {
    start: () => [event("response.created", { response: snapshot("in_progress") }), event("response.in_progress", { response: snapshot("in_progress") })],

    chunk(chunk) {
      const events: ResponsesEvent[] = [];
      usage = readUsage(chunk) ?? usage;
      const choice = firstChoice(chunk);
      if (choice === undefined) return events;
      const delta = (choice["delta"] ?? {}) as JsonObject;
      const content = delta["content"];
      if (typeof content === "string" && content !== "") {
        if (text === undefined) {
          text = { outputIndex: output.length, id: `msg_${key}_${output.length}`, text: "" };
          output.push(messageItem(text.id, "", "in_progress"));
          events.push(event("response.output_item.added", { output_index: text.outputIndex, item: output[text.outputIndex] }));
          events.push(event("response.content_part.added", { item_id: text.id, output_index: text.outputIndex, content_index: 0, part: outputText("") }));
        }
        text.text += content;
        events.push(event("response.output_text.delta", { item_id: text.id, output_index: text.outputIndex, content_index: 0, delta: content, logprobs: [] }));
      }
      for (const call of (delta["tool_calls"] as JsonObject[] | undefined) ?? []) {
        const index = typeof call["index"] === "number" ? call["index"] : 0;
        const fn = (call["function"] ?? {}) as JsonObject;
        let state = toolCalls.get(index);
        if (state === undefined) {
          closeText(events);
          const outputIndex = output.length;
          state = { outputIndex, id: `fc_${key}_${outputIndex}`, callId: typeof call["id"] === "string" ? call["id"] : `call_${key}_${outputIndex}`, name: typeof fn["name"] === "string" ? fn["name"] : "", arguments: "" };
          toolCalls.set(index, state);
          output.push(functionCallItem(state.id, state.callId, state.name, "", "in_progress"));
          events.push(event("response.output_item.added", { output_index: outputIndex, item: output[outputIndex] }));
        }
        const piece = fn["arguments"];
        if (typeof piece === "string" && piece !== "") {
          state.arguments += piece;
          events.push(event("response.function_call_arguments.delta", { item_id: state.id, output_index: state.outputIndex, delta: piece }));
        }
      }
      const finish = choice["finish_reason"];
      if (typeof finish === "string") finishReason = finish;
      return events;
    },

    finish() {
      const events: ResponsesEvent[] = [];
      closeText(events);
      closeToolCalls(events);
      const response = snapshot("completed");
      events.push(event(response["status"] === "incomplete" ? "response.incomplete" : "response.completed", { response }));
      return { events, response };
    },

    fail(error) {
      return [
        event("error", { code: error.code, message: error.message, param: error.param }),
        event("response.failed", { response: snapshot("failed", { code: error.code, message: error.message }) }),
      ];
    },
  };
}
