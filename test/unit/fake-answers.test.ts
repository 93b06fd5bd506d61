import { describe, expect, it } from "vitest";
import { fakeChatChunks, fakeChatCompletion, requestDrivenChoices, valueForSchema } from "../helpers/fake-answers.js";

const tools = [
  { type: "function", function: { name: "first", parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] } } },
  { type: "function", function: { name: "second", parameters: { type: "object", properties: {} } } },
];
const meta = { id: "fake-1", created: 1, model: "tiny", promptTokens: 3, maxTokens: Infinity };

describe("the fake upstream's request-driven answers", () => {
  it("generates the minimal value a schema allows", () => {
    const schema = {
      type: "object",
      properties: {
        name: { type: "string" },
        age: { type: "integer" },
        ok: { type: "boolean" },
        unit: { enum: ["c", "f"] },
        tags: { type: "array", items: { type: "number" } },
        maybe: { type: ["null", "string"] },
        either: { anyOf: [{ const: 7 }, { type: "string" }] },
        child: { $ref: "#/$defs/child" },
        optional: { type: "string" },
      },
      required: ["name", "age", "ok", "unit", "tags", "maybe", "either", "child"],
      $defs: { child: { type: "object", properties: { id: { type: "string" } }, required: ["id"] } },
    };
    expect(valueForSchema(schema)).toEqual({ name: "x", age: 1, ok: true, unit: "c", tags: [1], maybe: "x", either: 7, child: { id: "x" } });
  });

  it("leaves a plain request to the ordinary answer", () => {
    expect(requestDrivenChoices({ messages: [{ role: "user", content: "hi" }] }, "text")).toBeUndefined();
    expect(requestDrivenChoices({ messages: [{ role: "user", content: "hi" }], tools, tool_choice: "none", n: 1 }, "text")).toBeUndefined();
  });

  it("calls the first tool, or the one tool_choice names, then quotes the tool result", () => {
    expect(requestDrivenChoices({ messages: [{ role: "user", content: "hi" }], tools }, "text")).toEqual([{ kind: "tool-call", id: "call_fake_0", name: "first", arguments: '{"q":"x"}' }]);
    const named = requestDrivenChoices({ messages: [{ role: "user", content: "hi" }], tools, tool_choice: { type: "function", function: { name: "second" } } }, "text");
    expect(named).toMatchObject([{ name: "second", arguments: "{}" }]);
    const after = requestDrivenChoices({ messages: [{ role: "user", content: "hi" }, { role: "tool", tool_call_id: "c", content: "42" }], tools }, "text");
    expect(after).toEqual([{ kind: "text", text: "The tool said: 42" }]);
  });

  it("answers JSON modes and n choices", () => {
    expect(requestDrivenChoices({ messages: [], response_format: { type: "json_object" } }, "text")).toEqual([{ kind: "text", text: '{"ok":true}' }]);
    const schema = { type: "object", properties: { a: { type: "number" } }, required: ["a"] };
    expect(requestDrivenChoices({ messages: [], response_format: { type: "json_schema", json_schema: { name: "s", schema } } }, "text")).toEqual([{ kind: "text", text: '{"a":1}' }]);
    expect(requestDrivenChoices({ messages: [], n: 3 }, "text")).toHaveLength(3);
  });

  it("shapes completions and chunks: tool_calls deltas with index, id and name first, finish_reason tool_calls", () => {
    const choices = requestDrivenChoices({ messages: [], tools, n: 2 }, "text") ?? [];
    const completion = fakeChatCompletion(choices, meta) as { choices: Array<{ index: number; finish_reason: string }> };
    expect(completion.choices.map((choice) => [choice.index, choice.finish_reason])).toEqual([[0, "tool_calls"], [1, "tool_calls"]]);
    const chunks = fakeChatChunks(choices.slice(0, 1), meta, true) as Array<{ choices: Array<{ delta: { tool_calls?: Array<{ index: number; id?: string; function: { name?: string; arguments: string } }> }; finish_reason: string | null }>; usage?: unknown }>;
    const calls = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    expect(calls[0]).toMatchObject({ index: 0, id: "call_fake_0", function: { name: "first", arguments: "" } });
    expect(calls.map((call) => call.function.arguments).join("")).toBe('{"q":"x"}');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 3 } });
  });
});
