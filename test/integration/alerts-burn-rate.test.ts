import { afterEach, describe, expect, it } from "vitest";
import { createAlertEvaluator, type AlertEvaluator } from "../../src/alerts/alert-evaluator.js";
import { createAlertLease } from "../../src/alerts/alert-lease.js";
import type { AlertNotification } from "../../src/alerts/alert-notification.js";
import { createAlertStore } from "../../src/alerts/alert-store.js";
import { alertsConfigSchema, defaultBurnRateWindows } from "../../src/alerts/alerts-config-schema.js";
import { burnRate } from "../../src/alerts/burn-rate.js";
import type { AlertableSlo } from "../../src/alerts/sli-source.js";
import { startAlertJob } from "../../src/alerts/start-alert-job.js";
import type { SqlExecutor } from "../../src/store/sql-executor.js";
import { openSqlite, tempDatabasePath } from "../helpers/alert-database.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { createRecordedSli, type RecordedSli } from "../helpers/recorded-sli.js";

const minute = 60_000;
const perMinute = 1000;
const slo: AlertableSlo = { name: "story-availability", objective: 99, labels: { model: "story", version: "v2" } };

/** Records one minute of traffic per minute in [from, to), `burn` times the sustainable error rate (objective 99%: 1%). */
function traffic(sli: RecordedSli, from: number, to: number, burn: number): void {
  const bad = Math.round(perMinute * (1 - slo.objective / 100) * burn);
  for (let time = from; time < to; time += minute) sli.record(slo.name, time, perMinute - bad, bad);
}

interface Harness {
  readonly evaluator: AlertEvaluator;
  readonly sent: AlertNotification[];
  readonly errors: unknown[];
}

function harness(executor: SqlExecutor, sli: RecordedSli, clock: FakeClock, config: Record<string, unknown> = {}, holder = "replica-a"): Harness {
  const sent: AlertNotification[] = [];
  const errors: unknown[] = [];
  const parsed = alertsConfigSchema.parse(config);
  const evaluator = createAlertEvaluator({
    store: createAlertStore(executor),
    lease: createAlertLease(executor, { name: "alerts", holder, ttlMs: 3 * parsed.evaluation_interval }),
    slos: [slo],
    sli,
    delivery: { enqueue: (notification) => sent.push(notification) },
    config: parsed,
    now: clock.now,
    onError: (error) => errors.push(error),
  });
  return { evaluator, sent, errors };
}

describe("burn rate", () => {
  it("is the error ratio over the error budget", () => {
    expect(burnRate({ good: 990, total: 1000 }, 99)).toBeCloseTo(1);
    expect(burnRate({ good: 856, total: 1000 }, 99)).toBeCloseTo(14.4);
    expect(burnRate({ good: 0, total: 0 }, 99.9)).toBe(0);
    expect(burnRate({ good: 9, total: 10 }, 100)).toBe(Number.POSITIVE_INFINITY);
  });

  it("defaults to the SRE workbook's four windows and parses overrides", () => {
    const config = alertsConfigSchema.parse({});
    expect(config.windows).toEqual(defaultBurnRateWindows);
    expect(config.min_events).toBe(20);
    expect(config.evaluation_interval).toBe(30_000);
    const custom = alertsConfigSchema.parse({ windows: [{ severity: "page", factor: 14, long: "1h", short: "5m" }], evaluation_interval: "10s" });
    expect(custom.windows).toEqual([{ severity: "page", factor: 14, long: 3_600_000, short: 300_000 }]);
    expect(alertsConfigSchema.safeParse({ windows: [{ severity: "page", factor: 14, long: "5m", short: "1h" }] }).success).toBe(false);
    expect(alertsConfigSchema.safeParse({ sinks: [{ kind: "webhook" }] }).success).toBe(false);
  });
});

describe("multi-window burn-rate alerts", () => {
  const executors: SqlExecutor[] = [];
  afterEach(async () => {
    for (const executor of executors.splice(0)) await executor.close();
  });

  async function open(path = tempDatabasePath()): Promise<SqlExecutor> {
    const executor = await openSqlite(path);
    executors.push(executor);
    return executor;
  }

  // Each incident burns just above one window's factor for exactly its long window, after three clean days.
  it.each(defaultBurnRateWindows.map((window) => [`${window.factor}×`, window] as const))("the %s window fires, then resolves once its short window is clean", async (_name, window) => {
    const clock = createFakeClock();
    const sli = createRecordedSli();
    const start = clock.now();
    traffic(sli, start - 3 * 1440 * minute, start - window.long, 0);
    traffic(sli, start - window.long, start, window.factor * 1.1);
    const { evaluator, sent, errors } = harness(await open(), sli, clock);

    expect((await evaluator.evaluate()).leader).toBe(true);
    const fired = sent.filter((notification) => notification.status === "firing");
    const target = fired.find((notification) => notification.window.factor === window.factor);
    expect(target).toMatchObject({ slo: slo.name, severity: window.severity, labels: { model: "story", version: "v2", slo: slo.name, severity: window.severity } });
    expect(target?.burnRates.long).toBeGreaterThanOrEqual(window.factor);
    expect(target?.burnRates.short).toBeGreaterThanOrEqual(window.factor);
    // Windows with a higher factor stay quiet: the burn is below them.
    expect(fired.every((notification) => notification.window.factor <= window.factor)).toBe(true);
    expect(target?.explorerUrl).toBe(`/admin/requests?model=story&version=v2&from=${start - window.long}&to=${start}`);

    // Still burning one round later: nothing is sent again.
    clock.advance(minute);
    traffic(sli, start, start + minute, window.factor * 1.1);
    sent.length = 0;
    await evaluator.evaluate();
    expect(sent.filter((notification) => notification.fingerprint === target?.fingerprint)).toEqual([]);

    // The incident ends: once the short window holds only clean traffic, the alert resolves.
    traffic(sli, start + minute, start + minute + window.short, 0);
    clock.advance(window.short);
    await evaluator.evaluate();
    const resolved = sent.find((notification) => notification.fingerprint === target?.fingerprint);
    expect(resolved).toMatchObject({ status: "resolved", startsAt: new Date(start).toISOString(), endsAt: new Date(clock.now()).toISOString() });
    expect(errors).toEqual([]);
  });

  it("the low-traffic guard stops a page caused by 1 failure in 3 requests", async () => {
    const clock = createFakeClock();
    const sli = createRecordedSli();
    const now = clock.now();
    sli.record(slo.name, now - 4 * minute, 1, 0);
    sli.record(slo.name, now - 3 * minute, 0, 1);
    sli.record(slo.name, now - 2 * minute, 1, 0);
    // A 33% error ratio is a 33× burn: both page windows would fire without the guard.
    expect(burnRate(await sli.counts(slo.name, now - 3_600_000, now), slo.objective)).toBeGreaterThan(14.4);

    const guarded = harness(await open(), sli, clock);
    await guarded.evaluator.evaluate();
    expect(guarded.sent).toEqual([]);

    const unguarded = harness(await open(), sli, clock, { min_events: 1 });
    await unguarded.evaluator.evaluate();
    expect(unguarded.sent.map((notification) => notification.labels["window"])).toContain("1h/5m");
  });

  it("alert state survives a restart: no second firing, and the resolve is still sent", async () => {
    const path = tempDatabasePath();
    const clock = createFakeClock();
    const sli = createRecordedSli();
    const start = clock.now();
    traffic(sli, start - 3 * 1440 * minute, start - 3_600_000, 0);
    traffic(sli, start - 3_600_000, start + 10 * minute, 20);
    const config = { windows: [{ severity: "page", factor: 14.4, long: "1h", short: "5m" }], evaluation_interval: "30s" };

    const first = await open(path);
    const before = harness(first, sli, clock, config, "process-1");
    await before.evaluator.evaluate();
    expect(before.sent.map((notification) => notification.status)).toEqual(["firing"]);
    // The process dies without giving up its lease.
    await first.close();
    executors.splice(executors.indexOf(first), 1);

    const after = harness(await open(path), sli, clock, config, "process-2");
    // The restarted process runs the background job; its lease wins once the dead one's expires (3 rounds).
    const stop = startAlertJob(after.evaluator, { intervalMs: 30_000, schedule: clock.schedule, onError: (error) => after.errors.push(error) });
    const rounds = async (count: number): Promise<void> => {
      for (let round = 0; round < count; round++) {
        const done = clock.scheduled();
        clock.advance(30_000);
        await done;
      }
    };
    await rounds(4);
    expect(await after.evaluator.evaluate()).toEqual({ leader: true, sent: [] });

    traffic(sli, start + 10 * minute, start + 20 * minute, 0);
    // The bad traffic ends at +10 minutes; five minutes later the short window is clean.
    await rounds(30);
    stop();
    expect(after.sent.map((notification) => notification.status)).toEqual(["resolved"]);
    expect(after.sent[0]?.startsAt).toBe(new Date(start).toISOString());
    const history = await createAlertStore(executors.at(-1) as SqlExecutor).history({ limit: 10 });
    expect(history.map((entry) => entry.status)).toEqual(["resolved", "firing"]);
    expect(after.errors).toEqual([]);
  });

  it("repeats a firing alert after the repeat interval", async () => {
    const clock = createFakeClock();
    const sli = createRecordedSli();
    const start = clock.now();
    traffic(sli, start - 3_600_000, start + 3 * 3_600_000, 20);
    const { evaluator, sent } = harness(await open(), sli, clock, { windows: [{ severity: "page", factor: 14.4, long: "1h", short: "5m" }], repeat_interval: "1h" });
    await evaluator.evaluate();
    clock.advance(30 * minute);
    await evaluator.evaluate();
    clock.advance(30 * minute);
    await evaluator.evaluate();
    expect(sent.map((notification) => notification.startsAt)).toEqual([new Date(start).toISOString(), new Date(start).toISOString()]);
  });
});
