/** One chat message of a fine-tuning row, in OpenAI's fine-tuning chat format. */
export interface TrainingMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/** A row after format unification: always chat messages, whatever format it came in. */
export interface TrainingRow {
  readonly messages: readonly TrainingMessage[];
  /** `chat` for `{messages}` rows, `completion` for `{prompt, completion}` rows. */
  readonly format: "chat" | "completion";
}

/** Why a line could not be read as a training row: shown with its line number. */
export class RowFormatError extends Error {}

const roles = new Set(["system", "user", "assistant"]);

/** Reads one JSONL line as a chat row (`{messages}`) or a prompt/completion row; throws RowFormatError saying what is wrong. */
export function parseTrainingRow(line: string): TrainingRow {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new RowFormatError(`not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new RowFormatError("a row must be a JSON object");
  const row = value as Record<string, unknown>;
  if ("messages" in row) return { messages: parseMessages(row["messages"]), format: "chat" };
  if ("prompt" in row || "completion" in row) {
    const prompt = row["prompt"];
    const completion = row["completion"];
    if (typeof prompt !== "string") throw new RowFormatError("prompt must be a string");
    if (typeof completion !== "string") throw new RowFormatError("completion must be a string");
    return {
      messages: [
        { role: "user", content: prompt },
        { role: "assistant", content: completion },
      ],
      format: "completion",
    };
  }
  throw new RowFormatError('expected a chat row {"messages": [...]} or a {"prompt", "completion"} row');
}

function parseMessages(value: unknown): TrainingMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw new RowFormatError("messages must be a non-empty array");
  const messages = value.map((entry, index): TrainingMessage => {
    if (typeof entry !== "object" || entry === null) throw new RowFormatError(`messages[${index}] must be an object`);
    const message = entry as Record<string, unknown>;
    const role = message["role"];
    if (typeof role !== "string" || !roles.has(role)) throw new RowFormatError(`messages[${index}].role must be system, user or assistant`);
    const content = message["content"];
    if (typeof content !== "string") throw new RowFormatError(`messages[${index}].content must be a string`);
    return { role: role as TrainingMessage["role"], content };
  });
  if (!messages.some((message) => message.role === "assistant")) throw new RowFormatError("a row needs at least one assistant message to train on");
  return messages;
}
