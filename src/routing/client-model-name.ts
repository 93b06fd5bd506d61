import type { JsonObject } from "../protocol/openai-responses.js";
import type { StreamAnswer } from "../pipeline/answer.js";
import type { GenerateResult, StreamPart } from "../pipeline/provider.js";

/** The header that carries the model name the upstream reported, when the answer's `model` was rewritten. */
export const upstreamModelHeader = "x-gantry-upstream-model";

/**
 * Gives an answer the model name the client used: an upstream reports its own (often internal) name. The upstream's
 * exact bytes are kept, with the name swapped in place, whenever the name appears in them as a plain top-level pair.
 */
export function withClientModel(result: GenerateResult, clientModel: string): GenerateResult {
  const reported = result.body["model"];
  if (reported === clientModel) return result;
  const body = { ...result.body, model: clientModel };
  const raw = typeof reported === "string" && result.raw !== undefined ? swapModel(result.raw, reported, clientModel) : undefined;
  const { raw: _stale, ...rest } = result;
  return raw === undefined ? { ...rest, body } : { ...rest, body, raw };
}

/** As `withClientModel`, for one stream chunk. */
export function chunkWithClientModel(part: StreamPart, clientModel: string): StreamPart {
  const reported = part.chunk["model"];
  if (reported === clientModel || reported === undefined) return part;
  const chunk = { ...part.chunk, model: clientModel };
  const raw = typeof reported === "string" && part.raw !== undefined ? swapModel(part.raw, reported, clientModel) : undefined;
  const { raw: _stale, ...rest } = part;
  return raw === undefined ? { ...rest, chunk } : { ...rest, chunk, raw };
}

/** The model name an answer or chunk reports, for the `x-gantry-upstream-model` header. */
export function reportedModel(body: JsonObject | undefined): string | undefined {
  const model = body?.["model"];
  return typeof model === "string" ? model : undefined;
}

function swapModel(raw: string, reported: string, clientModel: string): string | undefined {
  const needle = `"model":${JSON.stringify(reported)}`;
  const at = raw.indexOf(needle);
  return at < 0 ? undefined : `${raw.slice(0, at)}"model":${JSON.stringify(clientModel)}${raw.slice(at + needle.length)}`;
}

/** Renames every chunk of an opened stream (the first included) to the client's model name, keeping abort semantics. */
export function streamWithClientModel(answer: StreamAnswer, clientModel: string): StreamAnswer {
  const { parts } = answer;
  const renamed: AsyncIterator<StreamPart> = {
    next: async () => {
      const item = await parts.next();
      return item.done === true ? item : { done: false, value: chunkWithClientModel(item.value, clientModel) };
    },
    return: async (value?: unknown) => (parts.return === undefined ? { done: true, value } : parts.return(value)),
  };
  const first = answer.first.done === true ? answer.first : { done: false as const, value: chunkWithClientModel(answer.first.value, clientModel) };
  return { ...answer, first, parts: renamed };
}
