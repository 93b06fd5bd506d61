import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { createFallbackLimiter } from "../../src/limits/fallback-limiter.js";
import { createGuardedSpendStore } from "../../src/limits/guarded-spend-store.js";
import type { Limiter } from "../../src/limits/limiter.js";
import { createMemoryLimiter } from "../../src/limits/memory-limiter.js";
import { createMemorySpendStore } from "../../src/limits/memory-spend-store.js";
import type { SpendStore } from "../../src/limits/spend-store.js";

const down = (): Promise<never> => Promise.reject(new Error("connection to Redis lost"));
const deadLimiter: Limiter = { acquire: down, settle: down, close: async () => undefined };
const deadSpend: SpendStore = { reserve: down, settle: down, get: down, close: async () => undefined };
const subjects = [{ id: "key:a", budget: { daily_usd: 5 } }];
const isUnavailable = (error: unknown): boolean => error instanceof GatewayError && error.code === "dependency_unavailable" && error.status === 503 && error.retryAfterMs === 1000;

describe("limits while Redis is down", () => {
  it("fail_open counts in the local limiter, which still refuses past the limit, and settles there", async () => {
    const local = createMemoryLimiter(() => 0);
    const limiter = createFallbackLimiter(deadLimiter, local, "fail_open");
    const subjects = [{ id: "key:a", rpm: 2, concurrency: 1 }];
    expect((await limiter.acquire("l1", subjects, 10)).admitted).toBe(true);
    expect(await limiter.acquire("l2", subjects, 10)).toMatchObject({ admitted: false, kind: "concurrency" });
    await limiter.settle("l1", subjects, 5, 10);
    expect((await limiter.acquire("l3", subjects, 10)).admitted).toBe(true);
    await limiter.settle("l3", subjects, 5, 10);
    expect(await limiter.acquire("l4", subjects, 10)).toMatchObject({ admitted: false, kind: "requests" });
  });

  it("fail_closed refuses with 503 dependency_unavailable", async () => {
    const limiter = createFallbackLimiter(deadLimiter, createMemoryLimiter(() => 0), "fail_closed");
    await expect(limiter.acquire("l1", [{ id: "key:a", rpm: 2 }], 10)).rejects.toSatisfy(isUnavailable);
  });

  it("a working shared limiter decides alone", async () => {
    const shared = createMemoryLimiter(() => 0);
    const limiter = createFallbackLimiter(shared, deadLimiter, "fail_closed");
    expect((await limiter.acquire("l1", [{ id: "key:a", rpm: 1 }], 0)).admitted).toBe(true);
    expect((await shared.acquire("l2", [{ id: "key:a", rpm: 1 }], 0)).admitted).toBe(false);
  });
});

describe("budgets while Redis is down", () => {
  it("fail_closed refuses reservations and reads with 503 and drops settlements it cannot make", async () => {
    const spend = createGuardedSpendStore(deadSpend, "fail_closed");
    await expect(spend.reserve(subjects, 1, 0)).rejects.toSatisfy(isUnavailable);
    await expect(spend.get("key:a")).rejects.toSatisfy(isUnavailable);
    await expect(spend.settle(["key:a"], 1, 0.5, 0)).resolves.toBeUndefined();
    // A key without a budget has nothing to overspend: it is admitted, its spend simply not recorded.
    await expect(spend.reserve([{ id: "key:b", budget: undefined }], 1, 0)).resolves.toEqual({ admitted: true });
  });

  it("fail_open admits and reads as nothing spent", async () => {
    const spend = createGuardedSpendStore(deadSpend, "fail_open");
    await expect(spend.reserve(subjects, 1, 0)).resolves.toEqual({ admitted: true });
    await expect(spend.get("key:a")).resolves.toEqual({ dayUsd: 0, monthUsd: 0 });
  });

  it("a working store is passed through, refusals included", async () => {
    const spend = createGuardedSpendStore(createMemorySpendStore(() => 0), "fail_closed");
    expect(await spend.reserve(subjects, 2, 0)).toEqual({ admitted: true });
    await spend.settle(["key:a"], 2, 1.5, 0);
    expect((await spend.get("key:a")).dayUsd).toBe(1.5);
    expect(await spend.reserve(subjects, 4, 0)).toMatchObject({ admitted: false, subject: "key:a", period: "day" });
  });
});
