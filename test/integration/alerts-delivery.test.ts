import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createAlertDelivery } from "../../src/alerts/alert-delivery.js";
import { createAlertEvaluator } from "../../src/alerts/alert-evaluator.js";
import { createAlertLease } from "../../src/alerts/alert-lease.js";
import { createAlertStore } from "../../src/alerts/alert-store.js";
import { alertsConfigSchema } from "../../src/alerts/alerts-config-schema.js";
import { createAlertSinks } from "../../src/alerts/create-alert-sinks.js";
import type { AlertableSlo } from "../../src/alerts/sli-source.js";
import { abortableSleep } from "../../src/routing/abortable-sleep.js";
import type { SqlExecutor } from "../../src/store/sql-executor.js";
import { openSqlite, tempDatabasePath } from "../helpers/alert-database.js";
import { createFakeClock } from "../helpers/fake-clock.js";
import { createRecordedSli } from "../helpers/recorded-sli.js";

interface Received {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
  readonly answered: number;
}

/** A real HTTP receiver on a loopback port that answers its first request 500 and every later one 200. */
async function startReceiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const answered = received.length === 0 ? 500 : 200;
      received.push({ path: request.url ?? "", headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown, answered });
      response.writeHead(answered, { "content-type": "text/plain" }).end(answered === 500 ? "try again" : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const minute = 60_000;
const slo: AlertableSlo = { name: "story-availability", objective: 99.5, labels: { model: "story", version: "v3", team: "ml" } };

describe("alert delivery to real receivers", () => {
  const servers: Server[] = [];
  let executor: SqlExecutor | undefined;
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
    await executor?.close();
  });

  it("webhook, Alertmanager and Slack retry a failed first attempt, then get the resolve; the log gets both", async () => {
    const [webhook, alertmanager, slack] = [await startReceiver(), await startReceiver(), await startReceiver()];
    servers.push(webhook.server, alertmanager.server, slack.server);
    const lines: string[] = [];
    const logger = pino({ level: "info" }, new Writable({ write: (chunk: Buffer, _encoding, callback) => (lines.push(chunk.toString()), callback()) }));
    const config = alertsConfigSchema.parse({
      sinks: [
        { kind: "webhook", url: `${webhook.url}/hook`, headers: { authorization: "Bearer s3cret" } },
        { kind: "alertmanager", url: alertmanager.url },
        { kind: "slack", url: `${slack.url}/services/T0/B0/x` },
        { kind: "log" },
      ],
      windows: [{ severity: "page", factor: 14.4, long: "1h", short: "5m" }],
      external_url: "https://gantry.example.com",
      delivery: { initial_backoff_ms: 5, max_backoff_ms: 20 },
    });
    const clock = createFakeClock();
    const sli = createRecordedSli();
    const start = clock.now();
    for (let time = start - 60 * minute; time < start; time += minute) sli.record(slo.name, time, 90, 10);
    executor = await openSqlite(tempDatabasePath());
    // Real waits between attempts (a few milliseconds): the receivers are real sockets, the evaluation clock is fake.
    const delivery = createAlertDelivery({ sinks: createAlertSinks(config.sinks, logger), config: config.delivery, logger, sleep: abortableSleep });
    const evaluator = createAlertEvaluator({
      store: createAlertStore(executor),
      lease: createAlertLease(executor, { name: "alerts", holder: "a", ttlMs: 90_000 }),
      slos: [slo],
      sli,
      context: { context: async () => ({ topErrors: [{ type: "upstream_timeout", count: 7 }], drift: { drifted: ["prompt_tokens"], share: 0.5 } }) },
      delivery,
      config,
      now: clock.now,
      onError: (error) => {
        throw error;
      },
    });

    await evaluator.evaluate();
    await delivery.idle();
    expect(webhook.received.map((request) => request.answered)).toEqual([500, 200]);
    expect(alertmanager.received.map((request) => request.answered)).toEqual([500, 200]);
    expect(slack.received.map((request) => request.answered)).toEqual([500, 200]);

    const hook = webhook.received[1];
    expect(hook?.path).toBe("/hook");
    expect(hook?.headers["authorization"]).toBe("Bearer s3cret");
    expect(hook?.body).toMatchObject({
      version: 1,
      status: "firing",
      alert: {
        slo: slo.name,
        severity: "page",
        labels: { model: "story", version: "v3", team: "ml" },
        context: { topErrors: [{ type: "upstream_timeout", count: 7 }], drift: { drifted: ["prompt_tokens"] } },
        explorerUrl: `https://gantry.example.com/admin/requests?model=story&version=v3&team=ml&from=${start - 60 * minute}&to=${start}`,
      },
    });
    const [firing] = alertmanager.received[1]?.body as Record<string, unknown>[];
    expect(alertmanager.received[1]?.path).toBe("/api/v2/alerts");
    expect(firing).toMatchObject({
      labels: { alertname: "GantrySloBurnRate", slo: slo.name, severity: "page", window: "1h/5m", model: "story", version: "v3" },
      annotations: { top_errors: "upstream_timeout=7" },
      startsAt: new Date(start).toISOString(),
      generatorURL: expect.stringContaining("https://gantry.example.com/admin/requests?model=story") as unknown,
    });
    expect(firing).not.toHaveProperty("endsAt");
    expect((slack.received[1]?.body as { text: string }).text).toMatch(/FIRING.*story-availability[\s\S]*upstream_timeout \(7\)/);

    // The incident ends; the resolve goes to every sink once (the receivers now answer 200 at once).
    for (let time = start; time < start + 6 * minute; time += minute) sli.record(slo.name, time, 100, 0);
    clock.advance(6 * minute);
    await evaluator.evaluate();
    await delivery.idle();
    expect(webhook.received.map((request) => (request.body as { status: string }).status)).toEqual(["firing", "firing", "resolved"]);
    const [resolved] = alertmanager.received[2]?.body as Record<string, unknown>[];
    expect(resolved).toMatchObject({ startsAt: new Date(start).toISOString(), endsAt: new Date(start + 6 * minute).toISOString() });
    expect((slack.received[2]?.body as { text: string }).text).toMatch(/RESOLVED/);
    expect(lines.filter((line) => line.includes("SLO alert firing")).length).toBe(1);
    expect(lines.filter((line) => line.includes("SLO alert resolved")).length).toBe(1);
    expect(lines.filter((line) => line.includes("alert notification failed: retrying")).length).toBe(3);
    delivery.close();
  });

  it("gives up after max_attempts and keeps the queue bounded", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "info" }, new Writable({ write: (chunk: Buffer, _encoding, callback) => (lines.push(chunk.toString()), callback()) }));
    let attempts = 0;
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const delivery = createAlertDelivery({
      sinks: [{ name: "failing", send: async () => (attempts++, await gate, Promise.reject(new Error("down"))) }],
      config: alertsConfigSchema.parse({ delivery: { max_attempts: 3, initial_backoff_ms: 1, max_backoff_ms: 2, queue_size: 2 } }).delivery,
      logger,
      sleep: abortableSleep,
    });
    const notification = { fingerprint: "f", status: "firing" } as Parameters<typeof delivery.enqueue>[0];
    // One in flight, two queued, the fourth dropped.
    for (let index = 0; index < 4; index++) delivery.enqueue(notification);
    expect(lines.filter((line) => line.includes("queue is full")).length).toBe(1);
    release();
    await delivery.idle();
    expect(attempts).toBe(9);
    expect(lines.filter((line) => line.includes("attempts exhausted")).length).toBe(3);
    delivery.close();
  });
});
