import type { PipelineRequest } from "../pipeline/answer.js";
import type { VersionSpec } from "./version-spec.js";

/** A request as one version serves it. */
export type VersionTransform = (request: PipelineRequest) => PipelineRequest;

const unchanged: VersionTransform = (request) => request;

/**
 * Compiles a version's generation defaults and prompt into a transform, once per version: a version with neither
 * passes requests through untouched (the client's body and bytes stay forwardable as they are).
 */
export function compileVersionTransform(spec: VersionSpec): VersionTransform {
  const defaults = Object.entries(spec.defaults).filter(([, value]) => value !== undefined);
  const { system_prompt: systemPrompt, prompt_template: template } = spec;
  if (defaults.length === 0 && systemPrompt === undefined && template === undefined) return unchanged;
  return (request) => {
    if (request.operation === "embedding") return request;
    const body: Record<string, unknown> = { ...request.body };
    for (const [key, value] of defaults) if (body[key] === undefined || body[key] === null) body[key] = value;
    if (request.operation === "chat" && systemPrompt !== undefined && Array.isArray(body["messages"])) {
      const messages = body["messages"] as unknown[];
      const first = messages[0] as { role?: unknown } | undefined;
      if (first?.role !== "system" && first?.role !== "developer") body["messages"] = [{ role: "system", content: systemPrompt }, ...messages];
    }
    if (request.operation === "completion" && template !== undefined && typeof body["prompt"] === "string") {
      body["prompt"] = template.split("{{prompt}}").join(body["prompt"]);
    }
    return { ...request, body: body as PipelineRequest["body"] };
  };
}
