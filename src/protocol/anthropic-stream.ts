import { firstChoice, readUsage, type JsonObject, type Usage } from "./openai-responses.js";
import { anthropicStopReason, anthropicUsage } from "./anthropic-message.js";

/** One Anthropic SSE event: `type` is also its SSE event name. */
export type AnthropicEvent = JsonObject & { readonly type: string };

/** Turns chat.completion.chunk objects into Anthropic's Messages stream events. */
export interface AnthropicStreamTranslator {
  /** message_start and a ping. */
  start(): AnthropicEvent[];
  chunk(chunk: JsonObject): AnthropicEvent[];
  /** Closes the open block, then message_delta (stop reason, usage) and message_stop. */
  finish(): AnthropicEvent[];
}

type OpenBlock = { kind: "text"; index: number } | { kind: "tool"; index: number; toolIndex: number };

/** Creates the translator for one streamed message. */
export function createAnthropicStreamTranslator(id: string, model: string, stopSequences: readonly string[] | undefined): AnthropicStreamTranslator {
  let blocks = 0;
  let open: OpenBlock | undefined;
  let usage: Usage | undefined;
  let finishReason: unknown;
  let matchedStop: unknown;

  const close = (events: AnthropicEvent[]): void => {
    if (open === undefined) return;
    events.push({ type: "content_block_stop", index: open.index });
    open = undefined;
  };

  return {
    start: () => [
      { type: "message_start", message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } } },
      { type: "ping" },
    ],

    chunk(chunk) {
      const events: AnthropicEvent[] = [];
      usage = readUsage(chunk) ?? usage;
      const choice = firstChoice(chunk);
      if (choice === undefined) return events;
      const delta = (choice["delta"] ?? {}) as JsonObject;
      const content = delta["content"];
      if (typeof content === "string" && content !== "") {
        if (open?.kind !== "text") {
          close(events);
          open = { kind: "text", index: blocks++ };
          events.push({ type: "content_block_start", index: open.index, content_block: { type: "text", text: "" } });
        }
        events.push({ type: "content_block_delta", index: open.index, delta: { type: "text_delta", text: content } });
      }
      for (const call of (delta["tool_calls"] as JsonObject[] | undefined) ?? []) {
        const toolIndex = typeof call["index"] === "number" ? call["index"] : 0;
        const fn = (call["function"] ?? {}) as JsonObject;
        if (open?.kind !== "tool" || open.toolIndex !== toolIndex) {
          close(events);
          open = { kind: "tool", index: blocks++, toolIndex };
          events.push({ type: "content_block_start", index: open.index, content_block: { type: "tool_use", id: String(call["id"] ?? `toolu_${id}_${open.index}`), name: String(fn["name"] ?? ""), input: {} } });
        }
        const piece = fn["arguments"];
        if (typeof piece === "string" && piece !== "") events.push({ type: "content_block_delta", index: open.index, delta: { type: "input_json_delta", partial_json: piece } });
      }
      if (typeof choice["finish_reason"] === "string") {
        finishReason = choice["finish_reason"];
        matchedStop = choice["stop_reason"];
      }
      return events;
    },

    finish() {
      const events: AnthropicEvent[] = [];
      close(events);
      events.push({ type: "message_delta", delta: anthropicStopReason(finishReason, matchedStop, stopSequences), usage: anthropicUsage(usage) });
      events.push({ type: "message_stop" });
      return events;
    },
  };
}
