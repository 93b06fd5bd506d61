import type { RegistryState } from "../store/registry-store.js";
import type { ModelRouter } from "../routing/model-router.js";
import { compileVersionTransform, type VersionTransform } from "./apply-version-spec.js";
import { createTrafficSplit, type SplitShare, type TrafficSplit } from "./traffic-split.js";
import { versionSpecSchema, type VersionSpec } from "./version-spec.js";
import type { VersionRouters } from "./version-routers.js";

/** One servable version: its spec, the router of its deployments and its compiled request transform. */
export interface VersionEntry {
  readonly model: string;
  readonly version: number;
  /** The version number as text: the label logs, headers and rollups carry. */
  readonly label: string;
  readonly spec: VersionSpec;
  readonly router: ModelRouter;
  readonly transform: VersionTransform;
}

/** A model's versions, aliases and split, resolved to entries. */
export interface ModelVersions {
  /** By label (version number as text). */
  readonly versions: ReadonlyMap<string, VersionEntry>;
  readonly aliases: ReadonlyMap<string, VersionEntry>;
  /** What `prod` points at: unsplit traffic and internal callers (fallbacks, embeddings) go here. */
  readonly prod: VersionEntry | undefined;
  readonly split: TrafficSplit<VersionEntry> | undefined;
  /** The split as stored (targets by alias or version), for the admin API. */
  readonly weights: SplitWeights | undefined;
}

/** The registry as the hot path reads it: immutable, swapped whole on every change. */
export interface RegistrySnapshot {
  readonly stamp: number;
  readonly models: ReadonlyMap<string, ModelVersions>;
}

/** Split weights as stored: by target, an alias name or a version number. */
export type SplitWeights = Readonly<Record<string, number>>;

/** The snapshot before the registry has loaded: no model has versions. */
export const emptySnapshot: RegistrySnapshot = { stamp: -1, models: new Map() };

/**
 * Builds a snapshot from the stored state. Versions of models the config no longer defines, or whose stored spec no
 * longer validates, are skipped (reported through `skip`), never served half-built.
 */
export function buildSnapshot(state: RegistryState, routers: VersionRouters, skip: (model: string, version: number, reason: string) => void): RegistrySnapshot {
  const models = new Map<string, { versions: Map<string, VersionEntry>; aliases: Map<string, VersionEntry> }>();
  for (const row of state.versions) {
    const parsed = versionSpecSchema.safeParse(JSON.parse(row.spec));
    if (!parsed.success) {
      skip(row.model, row.version, parsed.error.message);
      continue;
    }
    const router = routers.routerFor(row.model, row.version, parsed.data, row.spec_hash);
    if (router === undefined) continue;
    let model = models.get(row.model);
    if (model === undefined) models.set(row.model, (model = { versions: new Map(), aliases: new Map() }));
    const label = String(row.version);
    model.versions.set(label, { model: row.model, version: row.version, label, spec: parsed.data, router, transform: compileVersionTransform(parsed.data) });
  }
  for (const alias of state.aliases) {
    const model = models.get(alias.model);
    const entry = model?.versions.get(String(alias.version));
    if (model !== undefined && entry !== undefined) model.aliases.set(alias.alias, entry);
  }
  const weightsByModel = new Map(state.splits.map((split) => [split.model, JSON.parse(split.weights) as SplitWeights]));
  const snapshot = new Map<string, ModelVersions>();
  for (const [name, model] of models) {
    const weights = weightsByModel.get(name);
    const shares: SplitShare<VersionEntry>[] = [];
    for (const [target, weight] of Object.entries(weights ?? {})) {
      const entry = model.aliases.get(target) ?? model.versions.get(target);
      if (entry !== undefined && weight > 0) shares.push({ target: entry, weight });
    }
    snapshot.set(name, { ...model, prod: model.aliases.get("prod"), split: shares.length === 0 ? undefined : createTrafficSplit(shares), weights });
  }
  return { stamp: state.stamp, models: snapshot };
}
