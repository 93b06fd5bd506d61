/** One chat message as sent to the chat endpoint. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** One request's input, built before the clock starts so that nothing is tokenized while measuring. */
export interface BenchPrompt {
  /** The text sent to the completions endpoint. */
  prompt: string;
  /** The conversation sent to the chat endpoint. */
  messages: ChatMessage[];
  /** Input length by the bench's tokenizer; the server's own count (usage) wins when it reports one. */
  inputTokens: number;
  /** Sent as max_tokens. */
  maxOutputTokens: number;
}

/** The text of a conversation as one completions prompt. */
export function messagesToPrompt(messages: readonly ChatMessage[]): string {
  return messages.map((message) => message.content).join("\n");
}
