import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertNotification } from "../../src/alerts/alert-notification.js";
import { createAlertStore } from "../../src/alerts/alert-store.js";
import type { RunningGateway } from "../../src/main.js";
import { openSqlite, tempDatabasePath } from "../helpers/alert-database.js";
import { startTestGateway } from "../helpers/gateway.js";

function notification(fingerprint: string, status: AlertNotification["status"]): AlertNotification {
  return {
    fingerprint,
    status,
    slo: `slo-${fingerprint}`,
    severity: "page",
    objective: 99.5,
    window: { long: "1h", short: "5m", factor: 14.4 },
    labels: { alertname: "GantrySloBurnRate", slo: `slo-${fingerprint}`, model: "story" },
    summary: "burning",
    burnRates: { long: 20, short: 30 },
    counts: { long: { good: 90, total: 100 }, short: { good: 5, total: 10 } },
    startsAt: new Date(1000).toISOString(),
    explorerUrl: "/admin/requests?model=story&from=0&to=1000",
  };
}

describe("GET /admin/alerts", () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    // The gateway's database already holds alert state (as a replica that evaluated them would have left it).
    const path = tempDatabasePath();
    const executor = await openSqlite(path);
    const store = createAlertStore(executor);
    for (const [fingerprint, status] of [["a", "firing"], ["b", "resolved"]] as const) {
      await store.insert({ fingerprint, slo: `slo-${fingerprint}`, window: "1h/5m", severity: "page", status, since: 1000, evaluatedAt: 2000, notifiedStatus: status, notifiedAt: 2000, alert: notification(fingerprint, status) });
    }
    await store.addHistory({ id: "h1", fingerprint: "b", time: 1000, status: "firing", alert: notification("b", "firing") });
    await store.addHistory({ id: "h2", fingerprint: "a", time: 1500, status: "firing", alert: notification("a", "firing") });
    await store.addHistory({ id: "h3", fingerprint: "b", time: 2000, status: "resolved", alert: notification("b", "resolved") });
    await executor.close();
    gateway = await startTestGateway(`database: { path: "${path}" }
admin: { open_on_loopback: true }
alerts:
  sinks: [{ kind: log }]
  evaluation_interval: 1m
models:
  - name: story
    deployments:
      - { provider: openai-compatible, base_url: "http://127.0.0.1:9", upstream_model: tiny }
`);
  });
  afterAll(async () => {
    await gateway.close();
  });

  it("serves the current state and the history, newest first, a page at a time", async () => {
    const response = await fetch(`${gateway.url}/admin/alerts?limit=2`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { firing: { fingerprint: string }[]; states: unknown[]; history: { data: { id: string }[]; next_cursor: string | null } };
    expect(body.firing.map((state) => state.fingerprint)).toEqual(["a"]);
    expect(body.states).toHaveLength(2);
    expect(body.history.data.map((entry) => entry.id)).toEqual(["h3", "h2"]);
    const next = (await (await fetch(`${gateway.url}/admin/alerts?limit=2&cursor=${body.history.next_cursor ?? ""}`)).json()) as typeof body;
    expect(next.history.data.map((entry) => entry.id)).toEqual(["h1"]);
    expect(next.history.next_cursor).toBeNull();
  });

  it("answers bad parameters with a 400", async () => {
    const response = await fetch(`${gateway.url}/admin/alerts?limit=0`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe("limit");
  });
});
