import {
  GeneralChatWrapper,
  LlamaText,
  resolveChatWrapper,
  SpecialTokensText,
  specializedChatWrapperTypeNames,
  templateChatWrapperTypeNames,
  type ChatHistoryItem,
  type ChatWrapper,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";

/** One chat turn as the engine sees it (the provider maps OpenAI messages onto these). */
export interface ChatTurn {
  readonly role: "system" | "user" | "assistant";
  readonly text: string;
}

/** A rendered chat prompt and what ends the assistant's turn in this template. */
export interface ChatPrompt {
  readonly tokens: Token[];
  readonly stopStrings: readonly string[];
  readonly stopTokens: ReadonlySet<Token>;
}

export interface ChatPromptRenderer {
  /** The chat wrapper in use, for logs and docs (`General` is the fallback). */
  readonly templateName: string;
  render(turns: readonly ChatTurn[]): ChatPrompt;
}

/**
 * Chooses the chat template: the GGUF's own (`tokenizer.chat_template`, via node-llama-cpp's wrappers) when it has
 * one; otherwise the fallback, node-llama-cpp's GeneralChatWrapper (`### Human` / `### Assistant` turns). The fallback
 * is deliberate: resolveChatWrapper would guess Llama 2's `[INST]` format for any llama-architecture file without a
 * template, which a base model never saw. `choice` is `auto`, `fallback`, or a wrapper name such as `chatML`.
 */
export function createChatPromptRenderer(model: LlamaModel, choice: string): ChatPromptRenderer {
  const wrapper = pickWrapper(model, choice);
  return {
    templateName: wrapper.wrapperName,
    render(turns) {
      const chatHistory: ChatHistoryItem[] = turns.map((turn) =>
        turn.role === "assistant" ? { type: "model", response: [turn.text] } : { type: turn.role, text: turn.text },
      );
      chatHistory.push({ type: "model", response: [] });
      const state = wrapper.generateContextState({ chatHistory });
      const stopStrings: string[] = [];
      const stopTokens = new Set<Token>();
      for (const trigger of state.stopGenerationTriggers) {
        const tokens = trigger.tokenize(model.tokenizer);
        const [only] = tokens;
        if (tokens.length === 1 && only !== undefined && model.isSpecialToken(only)) stopTokens.add(only);
        else {
          const text = plainText(trigger);
          if (text !== undefined && text !== "") stopStrings.push(text);
        }
      }
      return { tokens: state.contextText.tokenize(model.tokenizer), stopStrings, stopTokens };
    },
  };
}

function pickWrapper(model: LlamaModel, choice: string): ChatWrapper {
  if (choice === "fallback") return new GeneralChatWrapper();
  if (choice === "auto") {
    const template = model.fileInfo.metadata.tokenizer?.chat_template;
    if (typeof template !== "string" || template.trim() === "") return new GeneralChatWrapper();
    return resolveChatWrapper(model, { type: "auto", warningLogs: false, fallbackToOtherWrappersOnJinjaError: true });
  }
  const known: readonly string[] = [...specializedChatWrapperTypeNames, ...templateChatWrapperTypeNames];
  if (!known.includes(choice) || choice === "template") {
    throw new Error(`unknown chat_template "${choice}"; use auto, fallback or one of: ${specializedChatWrapperTypeNames.join(", ")}, jinjaTemplate`);
  }
  return resolveChatWrapper(model, { type: choice as (typeof specializedChatWrapperTypeNames)[number] | "jinjaTemplate", warningLogs: false });
}

/** The text a stop trigger matches in detokenized output, or undefined when it holds a special token. */
function plainText(trigger: LlamaText): string | undefined {
  let text = "";
  for (const value of trigger.values) {
    if (typeof value === "string") text += value;
    else if (value instanceof SpecialTokensText) text += value.value;
    else return undefined;
  }
  return text;
}
