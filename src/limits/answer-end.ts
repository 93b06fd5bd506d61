import { readUsage, type Usage } from "../protocol/openai-responses.js";
import { mapStreamParts, observeStreamEnd, type Answer } from "../pipeline/answer.js";

/**
 * Calls `onEnd` once with the answer's usage when it is known: at once for JSON, when a stream ends (from its
 * usage chunk; undefined when it had none, failed or was abandoned).
 */
export function onAnswerEnd(answer: Answer, onEnd: (usage: Usage | undefined) => void): Answer {
  if (answer.kind === "json") {
    onEnd(answer.result.usage);
    return answer;
  }
  let usage: Usage | undefined;
  const watched = mapStreamParts(answer, (part) => {
    usage = readUsage(part.chunk) ?? usage;
    return part;
  });
  return observeStreamEnd(watched, (outcome) => onEnd(outcome.kind === "done" ? usage : usage));
}
