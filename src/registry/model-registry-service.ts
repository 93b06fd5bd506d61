import type { AuditLog } from "../auth/audit-log.js";
import { GatewayError } from "../errors/gateway-error.js";
import { clipClientText } from "../errors/clip-client-text.js";
import type { Logger } from "../pipeline/logger.js";
import type { ModelRouter } from "../routing/model-router.js";
import type { RoutingTable } from "../routing/routing-table.js";
import type { RegistryChange, RegistryHistoryRow, RegistryStore } from "../store/registry-store.js";
import { buildSnapshot, emptySnapshot, type RegistrySnapshot, type SplitWeights } from "./registry-snapshot.js";
import { versionSpecHash, type VersionSpec } from "./version-spec.js";
import type { PromotionBlocker } from "./promotion-gate.js";
import type { VersionRouters } from "./version-routers.js";

/** A version as the admin API shows it. */
export interface VersionView {
  readonly version: number;
  readonly source: string;
  readonly created_at: string;
  readonly created_by: string;
  readonly aliases: string[];
  readonly spec: VersionSpec;
}

/** The registry's operations: reads from the snapshot, audited writes through the store, then a reload. */
export interface ModelRegistryService {
  snapshot(): RegistrySnapshot;
  /** Re-reads the store when its stamp moved (or always with `force`), and swaps the snapshot. */
  reload(force?: boolean): Promise<void>;
  /** Makes each config model's definition a version (idempotent; a changed definition becomes a new prod version). */
  syncConfig(models: readonly { name: string; spec: VersionSpec }[]): Promise<void>;
  list(): { model: string; versions: number; aliases: Record<string, number>; split: SplitWeights | null }[];
  versions(model: string): Promise<VersionView[]>;
  createVersion(model: string, spec: VersionSpec, actor: string, aliases: readonly string[]): Promise<number>;
  setAlias(model: string, alias: string, version: number | null, actor: string, action?: string): Promise<RegistryChange>;
  /** Points `prod` at `version` and drops the split: the promoted version takes all traffic. */
  promote(model: string, version: number, actor: string): Promise<RegistryChange>;
  /** Points `prod` back at the version it held before its current one, and drops the split. */
  rollback(model: string, actor: string): Promise<RegistryChange>;
  setSplit(model: string, weights: SplitWeights | null, actor: string): Promise<RegistryChange>;
  history(model: string, at?: number): Promise<{ prod_at: number | null; changes: RegistryHistoryRow[] }>;
  /** A router view in which a bare model name routes to its `prod` version (fallbacks, embeddings, fast paths). */
  routing(base: RoutingTable): RoutingTable;
}

export interface ModelRegistryServiceDeps {
  store: RegistryStore;
  routers: VersionRouters;
  now: () => number;
  logger: Logger;
  /** The promotion preconditions, checked whenever `prod` is moved forward (not by a rollback or the config file). */
  promotionBlocker?: PromotionBlocker;
  /** Where refused promotions are recorded, with why (accepted ones are in the registry history). */
  audit?: Pick<AuditLog, "append">;
}

/** Creates the registry service over its store. */
export function createModelRegistryService(deps: ModelRegistryServiceDeps): ModelRegistryService {
  const { store, now, logger } = deps;
  let current: RegistrySnapshot = emptySnapshot;
  let specs = new Map<string, { source: string; created_at: number; created_by: string }>();
  let loading: Promise<void> = Promise.resolve();

  const reload = (force = false): Promise<void> =>
    (loading = loading
      .catch(() => undefined)
      .then(async () => {
        if (!force && (await store.registryStamp()) === current.stamp) return;
        const state = await store.loadRegistry();
        current = buildSnapshot(state, deps.routers, (model, version, reason) => logger.warn({ model, version, reason }, "registry version skipped: its stored spec is not valid"));
        specs = new Map(state.versions.map((row) => [`${row.model}#${row.version}`, row]));
      }));

  const modelOf = (model: string): NonNullable<ReturnType<RegistrySnapshot["models"]["get"]>> => {
    const versions = current.models.get(model);
    if (versions === undefined) throw new GatewayError("model_not_found", { message: `The model "${clipClientText(model)}" is not in the registry.` });
    return versions;
  };
  const requireVersion = (model: string, version: number): void => {
    if (!modelOf(model).versions.has(String(version))) throw new GatewayError("model_version_not_found", { message: `The model "${clipClientText(model)}" has no version ${version}.` });
  };
  const written = async <T>(change: Promise<T>): Promise<T> => {
    const result = await change;
    await reload(true);
    return result;
  };

  // Pointing `prod` at a version by hand is a promotion too, so it meets the same preconditions; a rollback does not.
  const checkPromotion = async (model: string, version: number, actor: string): Promise<void> => {
    if (deps.promotionBlocker === undefined || modelOf(model).prod?.version === version) return;
    const blocker = await deps.promotionBlocker(model, version);
    if (blocker === undefined) return;
    logger.warn({ model, version, actor, reason: blocker }, "promotion refused");
    await deps.audit?.append({ at: new Date(now()).toISOString(), actor, action: "model.promote_refused", target: `${model}#${version}`, details: { reason: blocker } }).catch((error: unknown) => logger.warn({ err: error }, "audit entry not written"));
    throw new GatewayError("promotion_blocked", { message: `Version ${version} of "${clipClientText(model)}" cannot be promoted: ${blocker}.` });
  };

  const setAlias = async (model: string, alias: string, version: number | null, actor: string, action = version === null ? "alias.delete" : "alias.set"): Promise<RegistryChange> => {
    if (version !== null) requireVersion(model, version);
    else if (!modelOf(model).aliases.has(alias)) throw new GatewayError("model_version_not_found", { message: `The model "${clipClientText(model)}" has no alias "${clipClientText(alias)}".` });
    if (alias === "prod" && version === null) throw new GatewayError("registry_conflict", { message: "prod cannot be removed; promote another version instead." });
    if (alias === "prod" && version !== null && action !== "alias.rollback") await checkPromotion(model, version, actor);
    return written(store.setModelAlias({ model, alias, version, action, actor, at: now() }));
  };
  // Promotion and rollback give the new prod all traffic: a split left in place would keep sending some elsewhere.
  const clearSplit = async (model: string, actor: string): Promise<void> => {
    if (current.models.get(model)?.weights !== undefined) await written(store.setModelSplit({ model, weights: null, actor, at: now() }));
  };

  return {
    snapshot: () => current,
    reload,
    async syncConfig(models) {
      for (const model of models) {
        const result = await store.syncConfigVersion({ model: model.name, spec: JSON.stringify(model.spec), specHash: versionSpecHash(model.spec), actor: "config", at: now() });
        if (result.created) logger.info({ model: model.name, version: result.version }, "registry: the config's definition is a new version, now prod");
      }
      await reload(true);
    },
    list: () =>
      [...current.models].map(([model, versions]) => ({
        model,
        versions: versions.versions.size,
        aliases: Object.fromEntries([...versions.aliases].map(([alias, entry]) => [alias, entry.version])),
        split: versions.weights ?? null,
      })),
    async versions(model) {
      const versions = modelOf(model);
      return [...versions.versions.values()].map((entry) => {
        const row = specs.get(`${model}#${entry.version}`);
        return {
          version: entry.version,
          source: row?.source ?? "api",
          created_at: new Date(row?.created_at ?? 0).toISOString(),
          created_by: row?.created_by ?? "",
          aliases: [...versions.aliases].filter(([, target]) => target === entry).map(([alias]) => alias),
          spec: entry.spec,
        };
      });
    },
    async createVersion(model, spec, actor, aliases) {
      modelOf(model);
      return written(store.createModelVersion({ model, spec: JSON.stringify(spec), specHash: versionSpecHash(spec), source: "api", aliases, actor, at: now() }));
    },
    setAlias,
    async promote(model, version, actor) {
      const change = await setAlias(model, "prod", version, actor, "alias.promote");
      await clearSplit(model, actor);
      return change;
    },
    async rollback(model, actor) {
      modelOf(model);
      const previous = await store.previousAliasVersion(model, "prod");
      if (previous === undefined) throw new GatewayError("registry_conflict", { message: `The model "${clipClientText(model)}" has no earlier prod version to roll back to.` });
      const change = await setAlias(model, "prod", previous, actor, "alias.rollback");
      await clearSplit(model, actor);
      return change;
    },
    async setSplit(model, weights, actor) {
      const versions = modelOf(model);
      if (weights !== null) {
        for (const target of Object.keys(weights)) {
          if (!versions.aliases.has(target) && !versions.versions.has(target)) throw new GatewayError("model_version_not_found", { message: `The split names "${clipClientText(target)}", which is neither a version nor an alias of "${clipClientText(model)}".` });
        }
      }
      return written(store.setModelSplit({ model, weights: weights === null ? null : JSON.stringify(weights), actor, at: now() }));
    },
    async history(model, at) {
      modelOf(model);
      const [changes, prodAt] = await Promise.all([store.modelHistory(model, at), store.aliasAt(model, "prod", at ?? now())]);
      return { prod_at: prodAt ?? null, changes };
    },
    routing(base) {
      return { ...base, get: (name: string): ModelRouter | undefined => current.models.get(name)?.prod?.router ?? base.get(name) };
    },
  };
}
