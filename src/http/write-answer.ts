import { ClientAbortedError } from "../errors/gateway-error.js";
import { toErrorResponse } from "../errors/to-error-response.js";
import type { Answer, StreamAnswer } from "../pipeline/answer.js";
import type { GenerateResult, StreamPart } from "../pipeline/provider.js";
import type { RequestContext } from "../pipeline/request-context.js";
import { sendJson } from "./send.js";
import { SseWriter } from "./sse-writer.js";

/**
 * How an answer goes on the wire. The OpenAI routes send the upstream's objects as they are; the Responses and
 * Messages routes translate them. Stream methods return whole SSE frames (`data: …\n\n`, or `event: …` ones).
 */
export interface AnswerEncoder {
  /** The JSON body for a whole answer. */
  json(result: GenerateResult): unknown;
  /** Frames to send before the first part ("" for none). */
  start(): string;
  /** The frames for one part; undefined sends nothing. */
  part(part: StreamPart): string | undefined;
  /** The frames that end a complete stream. */
  end(): string;
  /** The frames that end a stream cut by `error`, so a cut is never a clean end. */
  fail(error: unknown): string;
}

/** OpenAI's own wire format: objects as the upstream sent them, `data: [DONE]` at the end. */
export const openAiEncoder: AnswerEncoder = {
  json: (result) => result.raw ?? result.body,
  start: () => "",
  part: (part) => (part.internalUsage === true ? undefined : `data: ${part.raw ?? JSON.stringify(part.chunk)}\n\n`),
  end: () => "data: [DONE]\n\n",
  fail: (error) => `data: ${JSON.stringify(toErrorResponse(error).body)}\n\n`,
};

/** Sends an answer to the client: JSON as a whole, a stream as SSE (usage and TTFT are read by the accounting stage's tap). */
export async function writeAnswer(context: RequestContext, answer: Answer, encoder: AnswerEncoder = openAiEncoder): Promise<void> {
  if (answer.kind === "json") {
    sendJson(context.response, 200, encoder.json(answer.result), answer.headers);
    return;
  }
  await writeStream(context, answer, encoder);
}

/** Sends an opened stream as SSE; a failure after the first part becomes a final error event, never a clean end. */
async function writeStream(context: RequestContext, answer: StreamAnswer, encoder: AnswerEncoder): Promise<void> {
  const { parts } = answer;
  let next = answer.first;
  const writer = new SseWriter(context.response);
  writer.start(answer.headers);
  try {
    const start = encoder.start();
    if (start !== "") await writer.write(start);
    for (; next.done !== true; next = await parts.next()) {
      const part = next.value;
      const frames = encoder.part(part);
      if (frames !== undefined && frames !== "") await writer.write(frames);
    }
    writer.end(encoder.end());
  } catch (error) {
    if (error instanceof ClientAbortedError || context.signal.reason instanceof ClientAbortedError) return;
    context.facts.errorCode = toErrorResponse(error).body.error.code;
    writer.end(encoder.fail(error));
  } finally {
    if (next.done !== true) await parts.return?.();
  }
}
