// Request-driven answers of the fake upstream: tool calls, tool-result follow-ups, JSON modes and `n` choices, so
// client libraries can be driven end to end (tools, structured output) over a fake that only speaks chat completions.

/** The tokens the fake "model" emits for a text: words with their leading space, as real tokenizers do. */
export function fakeTokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/** One choice of a request-driven answer: text, or one call to a tool. */
export type FakeChoice = { kind: "text"; text: string } | { kind: "tool-call"; id: string; name: string; arguments: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A minimal value that satisfies a JSON schema: strings "x", numbers 1, booleans true, the first enum value or const,
 * one array item, the required properties of objects, the first branch of anyOf/oneOf, local `$ref`s resolved.
 */
export function valueForSchema(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (!isObject(schema) || depth > 16) return null;
  if (typeof schema["$ref"] === "string" && schema["$ref"].startsWith("#")) {
    const target = schema["$ref"].slice(1).split("/").filter(Boolean).reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), root);
    return valueForSchema(target, root, depth + 1);
  }
  if ("const" in schema) return schema["const"];
  if (Array.isArray(schema["enum"]) && schema["enum"].length > 0) return schema["enum"][0];
  const branches = schema["anyOf"] ?? schema["oneOf"] ?? schema["allOf"];
  if (Array.isArray(branches) && branches.length > 0) return valueForSchema(branches[0], root, depth + 1);
  const declared = schema["type"];
  const type = Array.isArray(declared) ? (declared.find((entry) => entry !== "null") ?? declared[0]) : declared;
  switch (type) {
    case "string":
      return "x";
    case "number":
    case "integer":
      return 1;
    case "boolean":
      return true;
    case "null":
      return null;
    case "array":
      return [valueForSchema(schema["items"], root, depth + 1)];
    default: {
      const properties = isObject(schema["properties"]) ? schema["properties"] : {};
      const required = Array.isArray(schema["required"]) ? schema["required"].filter((name): name is string => typeof name === "string") : [];
      return Object.fromEntries(required.map((name) => [name, valueForSchema(properties[name], root, depth + 1)]));
    }
  }
}

/** The function tool a request makes the model call: the one `tool_choice` names, else the first; undefined for none. */
function chosenTool(body: Json): Json | undefined {
  const tools = Array.isArray(body["tools"]) ? body["tools"].filter(isObject) : [];
  const choice = body["tool_choice"];
  if (tools.length === 0 || choice === "none") return undefined;
  const named = isObject(choice) && isObject(choice["function"]) ? choice["function"]["name"] : undefined;
  const tool = tools.find((entry) => isObject(entry["function"]) && (named === undefined || entry["function"]["name"] === named));
  return tool !== undefined && isObject(tool["function"]) ? tool["function"] : undefined;
}

/**
 * The choices a chat request asks for by its shape, or undefined for a plain request (which keeps the fake's
 * ordinary text answer). With tools, the model calls the chosen tool with arguments generated from its schema;
 * after a tool result, it answers with text that quotes it; `response_format` gets JSON; `n` repeats the choice.
 */
export function requestDrivenChoices(body: Json | undefined, text: string): FakeChoice[] | undefined {
  if (body === undefined) return undefined;
  const messages = Array.isArray(body["messages"]) ? body["messages"] : [];
  // Once the conversation holds a tool result, the model answers in text (quoting the latest result), as agents expect.
  const toolResult: unknown = messages.findLast((message) => isObject(message) && message["role"] === "tool");
  const afterToolResult = isObject(toolResult);
  const tool = afterToolResult ? undefined : chosenTool(body);
  const format = isObject(body["response_format"]) ? body["response_format"] : undefined;
  const n = typeof body["n"] === "number" ? body["n"] : 1;
  const drivenFormat = format?.["type"] === "json_object" || format?.["type"] === "json_schema";
  if (tool === undefined && !afterToolResult && !drivenFormat && n <= 1) return undefined;
  return Array.from({ length: Math.max(1, n) }, (_, index): FakeChoice => {
    if (tool !== undefined) {
      const args = valueForSchema(tool["parameters"] ?? { type: "object" });
      return { kind: "tool-call", id: `call_fake_${index}`, name: String(tool["name"]), arguments: JSON.stringify(args) };
    }
    if (afterToolResult) return { kind: "text", text: `The tool said: ${typeof toolResult["content"] === "string" ? toolResult["content"] : JSON.stringify(toolResult["content"])}` };
    if (format?.["type"] === "json_object") return { kind: "text", text: '{"ok":true}' };
    if (format?.["type"] === "json_schema") {
      const jsonSchema = isObject(format["json_schema"]) ? format["json_schema"] : {};
      return { kind: "text", text: JSON.stringify(valueForSchema(jsonSchema["schema"])) };
    }
    return { kind: "text", text };
  });
}

/** What every answer object carries besides its choices. */
export interface FakeAnswerMeta {
  id: string;
  created: number;
  model: string;
  promptTokens: number;
  maxTokens: number;
}

/** A text cut to `maxTokens` fake tokens, and whether it was cut. */
function cut(text: string, maxTokens: number): { tokens: string[]; truncated: boolean } {
  const all = fakeTokens(text);
  const tokens = all.slice(0, maxTokens);
  return { tokens, truncated: tokens.length < all.length };
}

function usageOf(choices: FakeChoice[], meta: FakeAnswerMeta): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const completion = choices.reduce((sum, choice) => sum + (choice.kind === "text" ? cut(choice.text, meta.maxTokens).tokens.length : fakeTokens(choice.arguments).length), 0);
  return { prompt_tokens: meta.promptTokens, completion_tokens: completion, total_tokens: meta.promptTokens + completion };
}

/** The `chat.completion` object of a request-driven answer. */
export function fakeChatCompletion(choices: FakeChoice[], meta: FakeAnswerMeta): Json {
  const shaped = choices.map((choice, index) => {
    if (choice.kind === "tool-call") {
      const call = { id: choice.id, type: "function", function: { name: choice.name, arguments: choice.arguments } };
      return { index, message: { role: "assistant", content: null, tool_calls: [call] }, finish_reason: "tool_calls", logprobs: null };
    }
    const { tokens, truncated } = cut(choice.text, meta.maxTokens);
    return { index, message: { role: "assistant", content: tokens.join("") }, finish_reason: truncated ? "length" : "stop", logprobs: null };
  });
  return { id: meta.id, object: "chat.completion", created: meta.created, model: meta.model, choices: shaped, usage: usageOf(choices, meta) };
}

/**
 * The `chat.completion.chunk` objects of a request-driven answer, choice after choice: a role chunk, content tokens
 * or tool-call deltas (id and name first, then the arguments in pieces), a finish chunk; then usage when asked for.
 */
export function fakeChatChunks(choices: FakeChoice[], meta: FakeAnswerMeta, includeUsage: boolean): Json[] {
  const chunk = (choice: Json): Json => ({ id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices: [choice] });
  const chunks: Json[] = [];
  for (const [index, choice] of choices.entries()) {
    const delta = (value: Json, finish: string | null = null): Json => chunk({ index, delta: value, finish_reason: finish, logprobs: null });
    if (choice.kind === "tool-call") {
      chunks.push(delta({ role: "assistant", content: null, tool_calls: [{ index: 0, id: choice.id, type: "function", function: { name: choice.name, arguments: "" } }] }));
      const middle = Math.ceil(choice.arguments.length / 2);
      for (const piece of [choice.arguments.slice(0, middle), choice.arguments.slice(middle)].filter(Boolean)) {
        chunks.push(delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
      }
      chunks.push(delta({}, "tool_calls"));
      continue;
    }
    const { tokens, truncated } = cut(choice.text, meta.maxTokens);
    chunks.push(delta({ role: "assistant", content: "" }));
    for (const token of tokens) chunks.push(delta({ content: token }));
    chunks.push(delta({}, truncated ? "length" : "stop"));
  }
  if (includeUsage) chunks.push({ id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices: [], usage: usageOf(choices, meta) });
  return chunks;
}
