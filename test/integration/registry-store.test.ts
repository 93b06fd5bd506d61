import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { GatewayStore } from "../../src/store/gateway-store.js";

// The registry's store through the real SQLite worker (the PostgreSQL path runs in test/serial/registry-replication).
let store: GatewayStore;

beforeAll(async () => {
  store = await openStore({ path: join(mkdtempSync(join(tmpdir(), "gantry-registry-store-")), "gantry.db") });
});

afterAll(async () => {
  await store.close();
});

const spec = (url: string): string => JSON.stringify({ deployments: [{ provider: "openai-compatible", base_url: url }], defaults: {}, metadata: {} });

describe("registry store", () => {
  it("makes a config definition version 1 once, and a changed definition a new prod version", async () => {
    expect(await store.syncConfigVersion({ model: "m", spec: spec("http://a"), specHash: "a", actor: "config", at: 1000 })).toEqual({ version: 1, created: true });
    expect(await store.syncConfigVersion({ model: "m", spec: spec("http://a"), specHash: "a", actor: "config", at: 2000 })).toEqual({ version: 1, created: false });
    const stamp = await store.registryStamp();
    expect(await store.syncConfigVersion({ model: "m", spec: spec("http://b"), specHash: "b", actor: "config", at: 3000 })).toEqual({ version: 2, created: true });
    expect(await store.registryStamp()).toBeGreaterThan(stamp);
    const state = await store.loadRegistry();
    expect(state.aliases).toEqual([{ model: "m", alias: "prod", version: 2, updated_at: 3000 }]);
    expect(state.versions.map((row) => [row.version, row.source])).toEqual([
      [1, "config"],
      [2, "config"],
    ]);
  });

  it("answers which version an alias held at a time, and what it held before", async () => {
    await store.setModelAlias({ model: "m", alias: "prod", version: 1, action: "alias.rollback", actor: "ops", at: 5000 });
    expect(await store.aliasAt("m", "prod", 999)).toBeUndefined();
    expect(await store.aliasAt("m", "prod", 1500)).toBe(1);
    expect(await store.aliasAt("m", "prod", 3500)).toBe(2);
    expect(await store.aliasAt("m", "prod", 6000)).toBe(1);
    expect(await store.previousAliasVersion("m", "prod")).toBe(2);
    const history = await store.modelHistory("m", 3500);
    expect(history.map((row) => row.action)).toEqual(["alias.set", "version.create", "alias.set", "version.create"]);
    expect(history[0]).toMatchObject({ actor: "config", target: "prod", before_value: "1", after_value: "2" });
  });

  it("stores and clears a split, with history", async () => {
    expect(await store.setModelSplit({ model: "m", weights: JSON.stringify({ canary: 10, prod: 90 }), actor: "ops", at: 7000 })).toEqual({ before: null, after: '{"canary":10,"prod":90}' });
    expect((await store.loadRegistry()).splits).toHaveLength(1);
    await store.setModelSplit({ model: "m", weights: null, actor: "ops", at: 8000 });
    expect((await store.loadRegistry()).splits).toHaveLength(0);
    expect((await store.modelHistory("m"))[0]).toMatchObject({ action: "split.set", before_value: '{"canary":10,"prod":90}', after_value: null });
  });
});
