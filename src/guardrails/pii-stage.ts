import { GatewayError } from "../errors/gateway-error.js";
import type { AnswerStage } from "../pipeline/answer.js";
import { filterAnswerText, holdbackFactory } from "./answer-text-filter.js";
import type { PiiConfig } from "./pii-config-schema.js";
import { createPiiRedactor, maxPlaceholderLength, type PiiRedactor } from "./pii-redactor.js";
import { mapRequestTexts, requestTexts } from "./request-texts.js";

/** Characters a stream holds back: longer than any entity the detectors find (IBAN 34, IPv6 45) and any placeholder. */
const streamHoldback = 64;

/**
 * PII guardrails: a key's `pii` policy, else the model's `guardrails.pii`. `block` refuses (400 pii_detected naming
 * the types), `log-only` notes the types for the request log, `redact` replaces entities with typed placeholders
 * before anything later (cache, upstream, logs of the body) sees them, and optionally redacts model-written PII
 * in the answer and/or restores the client's own values in place of the placeholders.
 */
export function createPiiStage(config: { readonly models: readonly { readonly name: string; readonly guardrails?: { readonly pii?: PiiConfig | undefined } | undefined }[] }): AnswerStage {
  const byModel = new Map(config.models.flatMap((model) => (model.guardrails?.pii === undefined ? [] : [[model.name, model.guardrails.pii] as const])));
  return {
    name: "pii",
    run: async (context, request, next) => {
      const pii: PiiConfig | undefined = context.principal?.policy?.pii ?? byModel.get(request.body.model);
      if (pii === undefined) return next(request);
      const redactor = createPiiRedactor(pii.entities);
      if (pii.mode !== "redact") {
        const types = [...new Set(requestTexts(request.operation, request.body).flatMap((text) => redactor.detect(text).map((span) => span.type)))];
        if (types.length > 0) context.facts.piiEntities = types;
        if (types.length > 0 && pii.mode === "block") throw new GatewayError("pii_detected", { message: `The request contains personal data (${types.join(", ")}); this model does not accept it.` });
        return next(request);
      }
      const body = mapRequestTexts(request.operation, request.body, (text) => redactor.redact(text));
      const found = redactor.found();
      if (found.length > 0) context.facts.piiEntities = found;
      const redacted = found.length === 0 ? request : { ...request, body: { ...body, model: request.body.model } };
      const answer = await next(redacted);
      if (request.operation === "embedding" || (!pii.output && !(pii.restore && found.length > 0))) return answer;
      const transform = outputTransform(redactor, pii);
      return filterAnswerText(
        answer,
        holdbackFactory(Math.max(streamHoldback, maxPlaceholderLength), (text) => redactor.detect(text), transform),
        transform,
      );
    },
  };
}

/** Restores placeholders (when asked), then redacts PII the model wrote itself (when asked), sparing the client's own values. */
function outputTransform(redactor: PiiRedactor, pii: PiiConfig): (text: string) => string {
  const own = pii.restore ? redactor.originals() : undefined;
  return (text) => {
    const restored = pii.restore ? redactor.restore(text) : text;
    return pii.output ? redactor.redact(restored, own) : restored;
  };
}
