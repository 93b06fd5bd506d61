import { randomBytes } from "node:crypto";
import { GatewayError } from "../errors/gateway-error.js";
import type { Provider } from "../pipeline/provider.js";
import type { ModelRegistry, ProviderFactory } from "../providers/model-registry.js";
import type { Sleep } from "../routing/abortable-sleep.js";
import type { Random } from "../routing/clock.js";
import type { ActiveFault, FaultSpec } from "./fault-spec.js";
import { createFaultyProvider, type FaultSlot } from "./faulty-provider.js";

/** The faults injected into live traffic, and the provider decorator that applies them per attempt. */
export interface FaultBoard {
  /** Decorates every provider the factory builds, so each can be put under a fault later. */
  wrapFactory(factory: ProviderFactory): ProviderFactory;
  /** Learns the deployment ids of the providers `wrapFactory` built; call once the registry exists. */
  bind(registry: ModelRegistry): void;
  /** Puts a fault in force until its duration passes; throws a 4xx GatewayError for an unknown target or a full board. */
  inject(spec: FaultSpec): ActiveFault;
  /** The faults in force now, oldest first. */
  list(): readonly ActiveFault[];
  /** Ends a fault early; undefined when no fault in force has that id. */
  clear(id: string): ActiveFault | undefined;
}

export interface FaultBoardOptions {
  /** Epoch milliseconds: faults expire on this clock. */
  now(): number;
  /** Injected latency and hangs wait on this. */
  sleep: Sleep;
  random?: Random;
  /** Told the end (epoch ms) of the latest Redis outage in force, or 0 when none is. */
  onRedisDown(until: number): void;
  maxActive?: number;
}

const defaultMaxActive = 100;

/** Creates an empty board: until a fault is injected, decorated providers pass every call straight through. */
export function createFaultBoard(options: FaultBoardOptions): FaultBoard {
  const random = options.random ?? Math.random;
  const maxActive = options.maxActive ?? defaultMaxActive;
  const slotsByProvider = new WeakMap<Provider, FaultSlot>();
  const slots = new Map<string, FaultSlot>();
  const deploymentsOfModel = new Map<string, readonly string[]>();
  const active = new Map<string, ActiveFault>();

  /** The slot's faults still in force; expired ones are dropped here, so expiry needs no timer. */
  const current = (slot: FaultSlot): readonly ActiveFault[] => {
    const now = options.now();
    if (slot.faults.some((fault) => fault.expiresAt <= now)) slot.faults = slot.faults.filter((fault) => fault.expiresAt > now);
    return slot.faults;
  };

  const prune = (): void => {
    const now = options.now();
    for (const [id, fault] of active) if (fault.expiresAt <= now) remove(id, fault);
  };

  const remove = (id: string, fault: ActiveFault): void => {
    active.delete(id);
    for (const deployment of fault.deployments) {
      const slot = slots.get(deployment);
      if (slot !== undefined) slot.faults = slot.faults.filter((other) => other.id !== id);
    }
    if (fault.spec.kind === "redis_down") announceRedis();
  };

  const announceRedis = (): void => {
    let until = 0;
    for (const fault of active.values()) if (fault.spec.kind === "redis_down") until = Math.max(until, fault.expiresAt);
    options.onRedisDown(until);
  };

  const targetsOf = (spec: FaultSpec): readonly string[] => {
    if (spec.kind === "redis_down") return [];
    if (spec.deployment !== undefined) {
      if (!slots.has(spec.deployment)) throw new GatewayError("not_found", { message: `No deployment "${spec.deployment.slice(0, 200)}": ids are <model>/<index>, as in the x-gantry-deployment header.`, param: "deployment" });
      return [spec.deployment];
    }
    const deployments = spec.model === undefined ? undefined : deploymentsOfModel.get(spec.model);
    if (deployments === undefined || deployments.length === 0) throw new GatewayError("model_not_found", { message: `No model "${(spec.model ?? "").slice(0, 200)}" with deployments.`, param: "model" });
    return deployments;
  };

  return {
    wrapFactory: (factory) => (deployment, modelName, timeouts) => {
      const slot: FaultSlot = { faults: [] };
      const provider = createFaultyProvider(factory(deployment, modelName, timeouts), slot, { current: () => current(slot), sleep: options.sleep, random, firstByteMs: timeouts.first_byte_ms });
      slotsByProvider.set(provider, slot);
      return provider;
    },
    bind(registry) {
      for (const model of registry.list()) {
        const ids: string[] = [];
        for (const deployment of model.deployments) {
          const slot = slotsByProvider.get(deployment.provider);
          if (slot === undefined) continue;
          slots.set(deployment.id, slot);
          ids.push(deployment.id);
        }
        deploymentsOfModel.set(model.name, ids);
      }
    },
    inject(spec) {
      prune();
      const deployments = targetsOf(spec);
      if (active.size >= maxActive) throw new GatewayError("invalid_request", { message: `At most ${maxActive} faults may be in force at once: clear some first.` });
      const createdAt = options.now();
      const fault: ActiveFault = { id: `flt_${randomBytes(8).toString("hex")}`, spec, deployments, createdAt, expiresAt: createdAt + spec.duration_s * 1000 };
      active.set(fault.id, fault);
      for (const deployment of deployments) {
        const slot = slots.get(deployment);
        if (slot !== undefined) slot.faults = [...slot.faults, fault];
      }
      if (spec.kind === "redis_down") announceRedis();
      return fault;
    },
    list() {
      prune();
      return [...active.values()];
    },
    clear(id) {
      prune();
      const fault = active.get(id);
      if (fault !== undefined) remove(id, fault);
      return fault;
    },
  };
}

/** A fault as the admin API shows it. */
export function describeFault(fault: ActiveFault): Record<string, unknown> {
  return { id: fault.id, object: "fault", ...fault.spec, deployments: fault.deployments, created_at: new Date(fault.createdAt).toISOString(), expires_at: new Date(fault.expiresAt).toISOString() };
}
