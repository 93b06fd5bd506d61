/** One sampled request, as the drift tests see it (a `drift_samples` row). */
export interface DriftSample {
  /** When the request arrived, epoch milliseconds. */
  readonly time: number;
  readonly model: string;
  /** The registry version that served it; "" when none did. */
  readonly version: string;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Undefined when no token came (errors, JSON answers without a first-token time). */
  readonly ttftMs: number | undefined;
  /** ISO 639-3 code from franc, or "und" when the prompt is too short or mixed to tell. */
  readonly language: string;
  /** The prompt's dominant Unicode script (`Latin`, `Han`…), "none" without letters. */
  readonly script: string;
  /** "none" when the answer did not say (errors, embeddings). */
  readonly finishReason: string;
  readonly refusal: boolean;
  /** The request's error code; "none" when it succeeded. */
  readonly errorType: string;
}

/**
 * A sample as the request path leaves it: the facts, the prompt's start and the answer's start. The text features
 * (language, script, refusal) are computed from it later, when the sample is written, off the request path.
 */
export type DriftSampleDraft = Omit<DriftSample, "language" | "script" | "refusal"> & {
  readonly prompt: string;
  readonly answer: { readonly text: string; readonly refusal?: unknown };
};

/** How one feature is read from samples and which family of tests it gets. */
export interface DriftFeature {
  readonly name: string;
  readonly kind: "numeric" | "categorical";
  /** The feature's value, or undefined when the sample has none (TTFT of a failed request). */
  value(sample: DriftSample): number | string | undefined;
}

/** The features compared between windows, in report order. */
export const driftFeatures: readonly DriftFeature[] = [
  { name: "prompt_tokens", kind: "numeric", value: (sample) => sample.promptTokens },
  { name: "output_tokens", kind: "numeric", value: (sample) => sample.outputTokens },
  { name: "ttft_ms", kind: "numeric", value: (sample) => sample.ttftMs },
  { name: "language", kind: "categorical", value: (sample) => sample.language },
  { name: "script", kind: "categorical", value: (sample) => sample.script },
  { name: "finish_reason", kind: "categorical", value: (sample) => sample.finishReason },
  { name: "refusal", kind: "categorical", value: (sample) => (sample.refusal ? "yes" : "no") },
  { name: "error_type", kind: "categorical", value: (sample) => sample.errorType },
];
