import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlertEvaluator, type AlertEvaluator } from "../../src/alerts/alert-evaluator.js";
import { createAlertLease, type AlertLease } from "../../src/alerts/alert-lease.js";
import type { AlertNotification } from "../../src/alerts/alert-notification.js";
import { createAlertStore } from "../../src/alerts/alert-store.js";
import { alertsConfigSchema } from "../../src/alerts/alerts-config-schema.js";
import { migrate } from "../../src/store/migrations.js";
import { createPostgresExecutor } from "../../src/store/postgres-executor.js";
import { openStore } from "../../src/store/open-store.js";
import type { SqlStatements } from "../../src/store/sql-executor.js";
import { openSqlite, tempDatabasePath } from "../helpers/alert-database.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.js";
import { createRecordedSli, type RecordedSli } from "../helpers/recorded-sli.js";

const minute = 60_000;
const config = alertsConfigSchema.parse({ windows: [{ severity: "page", factor: 14.4, long: "1h", short: "5m" }] });

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await postgres.stop();
});

type Connection = SqlStatements & { close(): Promise<void> };

/** Two replicas' connections to one database: SQLite executors, the gateway's SQLite worker stores, or PostgreSQL pools. */
async function openPair(kind: "sqlite" | "sqlite worker" | "postgres"): Promise<[Connection, Connection]> {
  const path = tempDatabasePath();
  if (kind === "sqlite") return [await openSqlite(path), await openSqlite(path)];
  if (kind === "sqlite worker") {
    const stores = [await openStore({ path }), await openStore({ path })];
    return stores.map((store) => ({ ...store.sql, close: store.close })) as [Connection, Connection];
  }
  const pair = [createPostgresExecutor(postgres.url), createPostgresExecutor(postgres.url)] as const;
  await Promise.all(pair.map((executor) => migrate(executor)));
  return [pair[0], pair[1]];
}

function replica(executor: SqlStatements, sloName: string, sli: RecordedSli, clock: FakeClock, lease: AlertLease, sent: AlertNotification[]): AlertEvaluator {
  return createAlertEvaluator({
    store: createAlertStore(executor),
    lease,
    slos: [{ name: sloName, objective: 99, labels: { model: "story" } }],
    sli,
    delivery: { enqueue: (notification) => sent.push(notification) },
    config,
    now: clock.now,
    onError: (error) => {
      throw error;
    },
  });
}

describe.each(["sqlite", "sqlite worker", "postgres"] as const)("two evaluators sharing one %s database", (kind) => {
  it("send each alert once: one holds the lease, the other takes over when it dies", async () => {
    const [first, second] = await openPair(kind);
    const clock = createFakeClock();
    const sli = createRecordedSli();
    const slo = `lease-${kind.replace(" ", "-")}`;
    const start = clock.now();
    for (let time = start - 60 * minute; time < start + 10 * minute; time += minute) sli.record(slo, time, 800, 200);
    const sent: AlertNotification[] = [];
    const lease = (executor: SqlStatements, holder: string): AlertLease => createAlertLease(executor, { name: `alerts-${slo}`, holder, ttlMs: 90_000 });
    const a = replica(first, slo, sli, clock, lease(first, "a"), sent);
    const b = replica(second, slo, sli, clock, lease(second, "b"), sent);

    for (let round = 0; round < 4; round++) {
      const rounds = await Promise.all([a.evaluate(), b.evaluate()]);
      expect(rounds.filter((outcome) => outcome.leader)).toHaveLength(1);
      clock.advance(30_000);
    }
    expect(sent.map((notification) => notification.status)).toEqual(["firing"]);

    // The leader dies; after its lease expires the other replica sends the resolve, once.
    const leaderAlive = (await a.evaluate()).leader ? a : b;
    const survivor = leaderAlive === a ? b : a;
    for (let time = start + 10 * minute; time < start + 30 * minute; time += minute) sli.record(slo, time, 1000, 0);
    clock.advance(15 * minute);
    expect((await survivor.evaluate()).leader).toBe(true);
    expect((await survivor.evaluate()).sent).toEqual([]);
    expect(sent.map((notification) => notification.status)).toEqual(["firing", "resolved"]);
    await Promise.all([first.close(), second.close()]);
  });

  it("send each alert once even when both believe they hold the lease (the state changes are compare-and-set)", async () => {
    const [first, second] = await openPair(kind);
    const clock = createFakeClock();
    const sli = createRecordedSli();
    const slo = `cas-${kind.replace(" ", "-")}`;
    const start = clock.now();
    for (let time = start - 60 * minute; time < start; time += minute) sli.record(slo, time, 800, 200);
    const sent: AlertNotification[] = [];
    const always: AlertLease = { acquire: async () => true, release: async () => undefined };
    const a = replica(first, slo, sli, clock, always, sent);
    const b = replica(second, slo, sli, clock, always, sent);
    await Promise.all([a.evaluate(), b.evaluate()]);
    for (let time = start; time < start + 10 * minute; time += minute) sli.record(slo, time, 1000, 0);
    clock.advance(10 * minute);
    await Promise.all([a.evaluate(), b.evaluate()]);
    expect(sent.map((notification) => notification.status)).toEqual(["firing", "resolved"]);
    await Promise.all([first.close(), second.close()]);
  });
});
