import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/main.js";
import type { AlertNotification } from "../../src/alerts/alert-notification.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startClockedGateway } from "../helpers/gateway.js";

/** One webhook delivery as the receiver got it. */
interface WebhookBody {
  readonly version: number;
  readonly status: "firing" | "resolved";
  readonly alert: AlertNotification & { readonly context?: { readonly topErrors: readonly { type: string; count: number }[]; readonly drift?: { readonly text: string; readonly versions: readonly { version: string; verdict: string; drifted_features: readonly { feature: string }[] }[] } } };
}

const minute = 60_000;
const english = ["Tell me a short story about a fox who loves to read books in the forest.", "Write a bedtime story about a brave little rabbit and the old owl who lives nearby."];
const french = ["Raconte-moi une petite histoire sur un renard qui aime lire des livres dans la forêt.", "Écris une histoire pour enfants sur un petit lapin courageux et la vieille chouette."];

describe("SLO burn-rate alerts, end to end (rollups → evaluation → webhook)", () => {
  let clock: FakeClock;
  let upstream: FakeUpstream;
  let gateway: RunningGateway;
  let receiver: Server;
  const received: WebhookBody[] = [];
  // Every second story request fails while the incident lasts.
  let failing = false;
  let storyCalls = 0;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let text = "";
      request.on("data", (chunk: Buffer) => (text += chunk.toString()));
      request.on("end", () => {
        received.push(JSON.parse(text) as WebhookBody);
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    upstream = await startFakeUpstream({
      chooseBehavior: () => (failing && storyCalls++ % 2 === 1 ? { kind: "status", status: 500 } : undefined),
    });
    clock = createFakeClock(Date.UTC(2026, 10, 30, 1, 0, 10));
    const model = (name: string): string => `  - name: ${name}
    retry: { max_attempts: 1 }
    breaker: { enabled: false }
    routing: { ejection: { enabled: false } }
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }`;
    const yaml = `admin: { open_on_loopback: true }
slos:
  - { name: story-availability, model: story, version: "1", objective: 99.5, sli: { kind: availability } }
  - { name: quiet-availability, model: quiet, objective: 99.5, sli: { kind: availability } }
alerts:
  sinks: [{ kind: webhook, url: "${hook}" }]
  windows: [{ severity: page, factor: 14.4, long: 1h, short: 5m }]
  evaluation_interval: 30s
  external_url: "https://gantry.example.com"
drift:
  reference: { window: 2h }
  current: { window: 1h }
  min_samples: 30
models:
${model("story")}
${model("quiet")}
`;
    gateway = await startClockedGateway(yaml, clock);
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const chat = async (model: string, content: string): Promise<Response> => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, messages: [{ role: "user", content }] }) });
    await response.arrayBuffer();
    return response;
  };

  /**
   * Moves the fake clock one evaluation interval at a time (each move lets the job run a round) until the receiver
   * has a matching notification; between moves it polls the receiver for a bounded real time, never sleeping long.
   */
  async function roundsUntil(match: (body: WebhookBody) => boolean, maxRounds: number): Promise<WebhookBody> {
    for (let round = 0; round < maxRounds; round++) {
      clock.advance(30_000);
      for (let poll = 0; poll < 25; poll++) {
        const found = received.find(match);
        if (found !== undefined) return found;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    throw new Error(`no matching notification after ${maxRounds} rounds; received ${JSON.stringify(received.map((body) => [body.alert.slo, body.status]))}`);
  }

  it("pages with the model, version, top error types, drift and explorer link, ignores a low-traffic SLO, and resolves", async () => {
    // The drift reference: an hour and a half before the incident, English prompts, all answered.
    for (let index = 0; index < 40; index++) {
      const response = await chat("story", english[index % english.length] as string);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-gantry-model-version")).toBe("1");
    }
    clock.advance(90 * minute);

    // The incident: French prompts (the drift) and half of the story requests fail. Meanwhile a quiet model sees one
    // failure in three requests: a 33% error ratio, a 67× burn, but below the 20-event guard.
    upstream.enqueue({ kind: "status", status: 500 });
    const quiet = [await chat("quiet", "hello"), await chat("quiet", "hello again"), await chat("quiet", "and again")];
    expect(quiet[0]?.status).toBeGreaterThanOrEqual(500);
    expect(quiet.slice(1).map((response) => response.status)).toEqual([200, 200]);
    failing = true;
    let failures = 0;
    for (let index = 0; index < 40; index++) if ((await chat("story", french[index % french.length] as string)).status >= 500) failures++;
    expect(failures).toBe(20);
    const incidentEnd = clock.now();

    const firing = await roundsUntil((body) => body.status === "firing" && body.alert.slo === "story-availability", 8);
    expect(firing.version).toBe(1);
    const { alert } = firing;
    expect(alert.severity).toBe("page");
    expect(alert.labels).toMatchObject({ model: "story", version: "1", alertname: "GantrySloBurnRate", slo: "story-availability", severity: "page", window: "1h/5m" });
    expect(alert.summary).toContain("model=story version=1");
    // 20 bad of 40 in the hour since the reference traffic left it: burn 0.5 / 0.005 = 100.
    expect(alert.counts.long).toEqual({ good: 20, total: 40 });
    expect(alert.burnRates.long).toBeCloseTo(100, 5);
    // The rollups' error types of the window: the upstream's 500s, under their one error code.
    expect(alert.context?.topErrors).toEqual([{ type: "upstream_error", count: 20 }]);
    // Drift of story version 1 over the alert's hour against the two hours before: the prompts turned French.
    expect(alert.context?.drift?.text).toMatch(/^story@1: drift in .*language/);
    expect(alert.context?.drift?.versions[0]).toMatchObject({ version: "1", verdict: "drift" });
    const link = new URL(alert.explorerUrl);
    expect(link.origin + link.pathname).toBe("https://gantry.example.com/admin/requests");
    expect(Object.fromEntries(link.searchParams)).toEqual({ model: "story", version: "1", from: String(Number(link.searchParams.get("to")) - 3_600_000), to: link.searchParams.get("to") });
    expect(Number(link.searchParams.get("to"))).toBeGreaterThanOrEqual(incidentEnd);
    // The link answers: the explorer lists the window's failed requests of that version.
    const explore = async (): Promise<{ model_version: string; status: number }[]> =>
      ((await (await fetch(`${gateway.url}/admin/requests?${link.searchParams.toString()}&status=5xx&limit=100`)).json()) as { data: { model_version: string; status: number }[] }).data;
    let explored = await explore();
    // The request log is written off the request path: give its writer a bounded moment.
    for (let poll = 0; poll < 100 && explored.length < 20; poll++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      explored = await explore();
    }
    expect(explored).toHaveLength(20);
    expect(new Set(explored.map((row) => `${row.model_version} ${row.status}`))).toEqual(new Set(["1 502"]));

    // Recovery: the upstream answers again; once the 5-minute window holds no failure the alert resolves.
    failing = false;
    for (let index = 0; index < 10; index++) expect((await chat("story", english[index % english.length] as string)).status).toBe(200);
    const resolved = await roundsUntil((body) => body.status === "resolved" && body.alert.slo === "story-availability", 24);
    expect(resolved.alert.fingerprint).toBe(alert.fingerprint);
    expect(resolved.alert.endsAt).toBeDefined();
    expect(resolved.alert.labels).toMatchObject({ model: "story", version: "1" });

    // The low-traffic guard held in every one of those rounds: the quiet SLO never paged.
    expect(received.filter((body) => body.alert.slo === "quiet-availability")).toEqual([]);
    expect(received.map((body) => body.status)).toEqual(["firing", "resolved"]);
  }, 120_000);
});
