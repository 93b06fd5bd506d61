/** How much of an answer's start the refusal heuristic reads: refusals say so up front. */
export const refusalPrefixChars = 300;

/**
 * Phrases that open a refusal in English (docs/drift.md lists them). A heuristic: it misses refusals in other
 * languages and polite partial answers, and is used only when the answer has no `refusal` field.
 */
const refusalPhrases = /\b(?:I(?:'|’)?m sorry,? but I|I am sorry,? but I|I apologi[sz]e,? but I|I can(?:'|’)?t (?:help|assist|comply|provide|do that)|I cannot (?:help|assist|comply|provide|do that)|I(?:'|’)?m (?:not able|unable) to (?:help|assist|comply|provide)|I am (?:not able|unable) to (?:help|assist|comply|provide)|I won(?:'|’)?t (?:help|assist|provide)|As an AI(?: language model)?,? I (?:can(?:'|’)?t|cannot))/i;

/** Whether an answer refused: the OpenAI `refusal` field when present, else the phrase heuristic over its start. */
export function isRefusal(answer: { readonly refusal?: unknown; readonly text: string }): boolean {
  if (typeof answer.refusal === "string" && answer.refusal !== "") return true;
  return refusalPhrases.test(answer.text.slice(0, refusalPrefixChars));
}
