import { ClientAbortedError } from "../errors/gateway-error.js";
import { toErrorResponse } from "../errors/to-error-response.js";
import type { Answer, StreamAnswer } from "../pipeline/answer.js";
import type { RequestContext } from "../pipeline/request-context.js";
import { sendJson } from "./send.js";
import { SseWriter } from "./sse-writer.js";

/** Sends an answer to the client: JSON as is, a stream as SSE (usage and TTFT are read by the accounting stage's tap). */
export async function writeAnswer(context: RequestContext, answer: Answer): Promise<void> {
  if (answer.kind === "json") {
    sendJson(context.response, 200, answer.result.raw ?? answer.result.body, answer.headers);
    return;
  }
  await writeStream(context, answer);
}

/** Sends an opened stream as SSE; a failure after the first part becomes a final error event, never a clean end. */
async function writeStream(context: RequestContext, answer: StreamAnswer): Promise<void> {
  const { parts } = answer;
  let next = answer.first;
  const writer = new SseWriter(context.response);
  writer.start(answer.headers);
  try {
    for (; next.done !== true; next = await parts.next()) {
      const part = next.value;
      if (part.internalUsage !== true) await writer.data(part.raw ?? JSON.stringify(part.chunk));
    }
    writer.done();
  } catch (error) {
    if (error instanceof ClientAbortedError || context.signal.reason instanceof ClientAbortedError) return;
    const { body } = toErrorResponse(error);
    context.facts.errorCode = body.error.code;
    writer.fail(body);
  } finally {
    if (next.done !== true) await parts.return?.();
  }
}
