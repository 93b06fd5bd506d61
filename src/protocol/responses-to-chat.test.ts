import { describe, expect, it } from "vitest";
import { GatewayError } from "../errors/gateway-error.js";
import { responseIdOfItem } from "./responses-object.js";
import { responsesRequestSchema, type ResponsesRequest } from "./responses-request.js";
import { referencedItemIds, responsesToChat } from "./responses-to-chat.js";

const parse = (body: Record<string, unknown>): ResponsesRequest => responsesRequestSchema.parse({ model: "m", ...body });
const call = (id: string): Record<string, unknown> => ({ type: "function_call", call_id: id, name: "f", arguments: "{}" });

describe("responsesToChat", () => {
  it("joins assistant text and the function calls after it into one chat turn, answers as tool messages", () => {
    const request = parse({ input: [{ role: "user", content: "q" }, { role: "assistant", content: "Let me look." }, call("a"), call("b"), { type: "function_call_output", call_id: "a", output: "1" }, { type: "function_call_output", call_id: "b", output: "2" }] });
    expect(responsesToChat(request, [], new Map()).body["messages"]).toEqual([
      { role: "user", content: "q" },
      { role: "assistant", content: "Let me look.", tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: "{}" } }, { id: "b", type: "function", function: { name: "f", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "a", content: "1" },
      { role: "tool", tool_call_id: "b", content: "2" },
    ]);
  });

  it("resolves item references to the chat message they were; an unknown one is a 400 naming it", () => {
    const request = parse({ input: [{ role: "user", content: "q" }, { type: "item_reference", id: "msg_x" }, { role: "user", content: "again" }] });
    expect(referencedItemIds(request.input)).toEqual(["msg_x"]);
    expect(responsesToChat(request, [], new Map([["msg_x", { role: "assistant", content: "earlier" }]])).body["messages"]).toEqual([
      { role: "user", content: "q" },
      { role: "assistant", content: "earlier" },
      { role: "user", content: "again" },
    ]);
    expect(() => responsesToChat(request, [], new Map())).toThrow(expect.objectContaining({ param: "input[1].id" }) as unknown as GatewayError);
  });

  it("keeps user images as parts, maps developer to system, and names bad content parts", () => {
    const request = parse({ input: [{ role: "developer", content: "d" }, { role: "user", content: [{ type: "input_text", text: "what is this?" }, { type: "input_image", image_url: "data:image/png;base64,AA" }] }] });
    expect(responsesToChat(request, [], new Map()).body["messages"]).toEqual([
      { role: "system", content: "d" },
      { role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url: "data:image/png;base64,AA" } }] },
    ]);
    expect(() => responsesToChat(parse({ input: [{ role: "user", content: [{ type: "input_file", file_id: "f" }] }] }), [], new Map())).toThrow(expect.objectContaining({ param: "input[0].content[0].type" }) as unknown as GatewayError);
  });

  it("puts instructions first, before the previous conversation, and leaves them out of the stored one", () => {
    const previous = [{ role: "user", content: "before" }, { role: "assistant", content: "reply" }];
    const translated = responsesToChat(parse({ instructions: "i", input: "now", stream: true }), previous, new Map());
    expect(translated.body).toMatchObject({ stream: true, stream_options: { include_usage: true }, messages: [{ role: "system", content: "i" }, ...previous, { role: "user", content: "now" }] });
    expect(translated.conversation).toEqual([...previous, { role: "user", content: "now" }]);
  });

  it("item ids name their response", () => {
    const key = "0123456789abcdef0123456789abcdef";
    expect(responseIdOfItem(`fc_${key}_2`)).toBe(`resp_${key}`);
    expect(responseIdOfItem("msg_foreign")).toBeUndefined();
  });
});
