/** Holds back trailing whitespace of streamed text so it can be dropped if generation ends there. */
export interface TrailingWhitespaceTrimmer {
  push(text: string): string;
}

/**
 * Creates a trimmer; whatever is held when the stream ends is simply never sent. Grammar-constrained JSON ends
 * with optional whitespace the model may fill until a stop trigger, and clients should get the bare JSON.
 */
export function createTrailingWhitespaceTrimmer(): TrailingWhitespaceTrimmer {
  let held = "";
  return {
    push(text) {
      const buffer = held + text;
      const end = buffer.trimEnd().length;
      held = buffer.slice(end);
      return buffer.slice(0, end);
    },
  };
}
