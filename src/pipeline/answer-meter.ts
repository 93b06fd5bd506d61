import { firstChoice, readUsage, type JsonObject, type Usage } from "../protocol/openai-responses.js";
import type { StreamPart } from "./answer.js";

/** What the meter read off a stream: the upstream's usage if it sent one, the text delivered, the finish reason. */
export interface MeterReading {
  readonly usage: Usage | undefined;
  readonly text: string;
  readonly finishReason: string | undefined;
}

/** Reads each chunk once for accounting and telemetry (subscribe its `part` to the stream's tap). */
export interface AnswerMeter {
  part(part: StreamPart): void;
  reading(): MeterReading;
}

/** Creates a meter; `onFirstPart` runs when the first part passes (for TTFT). */
export function createAnswerMeter(onFirstPart: () => void): AnswerMeter {
  let usage: Usage | undefined;
  let finishReason: string | undefined;
  const pieces: string[] = [];
  let started = false;
  return {
    part: (part: StreamPart) => {
      if (!started) {
        started = true;
        onFirstPart();
      }
      const chunk = part.chunk;
      if (chunk["usage"] !== undefined) usage = readUsage(chunk) ?? usage;
      const choice = firstChoice(chunk);
      if (choice === undefined) return;
      const reason = choice["finish_reason"];
      if (typeof reason === "string") finishReason = reason;
      const piece = choiceText(choice);
      if (piece !== "") pieces.push(piece);
    },
    reading: () => ({ usage, text: pieces.join(""), finishReason }),
  };
}

/** The finish reason of a whole JSON answer's first choice. */
export function finishReasonOf(body: JsonObject): string | undefined {
  const reason = firstChoice(body)?.["finish_reason"];
  return typeof reason === "string" ? reason : undefined;
}

function choiceText(choice: Record<string, unknown>): string {
  if (typeof choice["text"] === "string") return choice["text"];
  const delta = choice["delta"];
  return isObject(delta) && typeof delta["content"] === "string" ? delta["content"] : "";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
