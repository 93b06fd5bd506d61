import type { GateVerdictReader } from "../evals/gate-verdict-store.js";
import type { PromotionConfig } from "./progressive-config-schema.js";

/** What stops a version from becoming prod, as one sentence; undefined when nothing does. */
export type PromotionBlocker = (model: string, version: number) => Promise<string | undefined>;

/**
 * The promotion preconditions of `registry.promotion` (docs/registry.md#promotion-preconditions): with
 * `require_eval_gate`, the newest stored `gantry eval gate` verdict of the version against the baseline must be `pass`.
 * Models with no entry are never blocked.
 */
export function createPromotionGate(configs: Readonly<Record<string, PromotionConfig>>, verdicts: GateVerdictReader): PromotionBlocker {
  const entries = new Map(Object.entries(configs));
  return async (model, version) => {
    const required = entries.get(model)?.require_eval_gate;
    if (required === undefined) return undefined;
    const latest = await verdicts.latest(model, String(version), required.baseline);
    if (latest === undefined) return `no eval gate verdict is stored for version ${version} against the baseline "${required.baseline}" (run: gantry eval gate --baseline ${required.baseline} --candidate ${model}@${version})`;
    if (latest.verdict !== "pass") return `the newest eval gate verdict for version ${version} against the baseline "${required.baseline}" is ${latest.verdict} (run ${latest.candidateRunId}, ${new Date(latest.at).toISOString()}): ${latest.reason}`;
    return undefined;
  };
}
