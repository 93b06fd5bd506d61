import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/main.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.js";

const adminKey = "admin-key-for-identity-tests-0000";
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Database {
  readonly name: string;
  /** The `database:` YAML line, and how to clean up after. */
  start(): Promise<{ yaml: string; done(): Promise<void> }>;
}

const databases: Database[] = [
  {
    name: "embedded SQLite",
    async start() {
      const dir = mkdtempSync(join(tmpdir(), "gantry-identity-"));
      return { yaml: `database: { path: "${join(dir, "gantry.db")}" }`, done: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: "PostgreSQL",
    async start() {
      const server: PostgresServer = await startPostgres();
      return { yaml: `database: { url: "${server.url}" }`, done: () => server.stop() };
    },
  },
];

describe.each(databases)("request identity on $name", (database) => {
  let upstream: FakeUpstream;
  let gateway: RunningGateway;
  let done: () => Promise<void>;
  const keys: Record<"red" | "redToo" | "blue" | "solo" | "otherSolo", string> = { red: "", redToo: "", blue: "", solo: "", otherSolo: "" };

  beforeAll(async () => {
    upstream = await startFakeUpstream({ record: true });
    const started = await database.start();
    done = started.done;
    gateway = await startTestGateway(
      `${started.yaml}
auth: { mode: keys, admin_key: "${adminKey}" }
models:
  - name: story
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }
`,
    );
    const teams: Record<keyof typeof keys, string | undefined> = { red: "red", redToo: "red", blue: "blue", solo: undefined, otherSolo: undefined };
    for (const [name, team] of Object.entries(teams) as [keyof typeof keys, string | undefined][]) {
      const created = await call("/admin/keys", adminKey, { name, ...(team === undefined ? {} : { team }) });
      expect(created.status).toBe(201);
      keys[name] = ((await created.json()) as { key: string }).key;
    }
  }, 60_000);

  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    await done();
  });

  function call(path: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${gateway.url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  const chat = { model: "story", messages: [{ role: "user", content: "hi" }] };

  /** Sends one chat request and returns the ids the gateway answered with. */
  async function ask(key: string, headers: Record<string, string> = {}): Promise<{ server: string; echoed: string }> {
    const response = await call("/v1/chat/completions", key, chat, headers);
    expect(response.status).toBe(200);
    await response.text();
    return { server: response.headers.get("x-gantry-request-id") ?? "", echoed: response.headers.get("x-request-id") ?? "" };
  }

  it("keeps 200 rows for 200 requests sharing one x-request-id, findable by it, and forwards it upstream", async () => {
    const clientId = `mesh-${database.name.length}-repeated`;
    const answers: { server: string; echoed: string }[] = [];
    // Four waves of 50 at once: concurrent enough to share write batches, bounded for a busy machine.
    for (let wave = 0; wave < 4; wave++) answers.push(...(await Promise.all(Array.from({ length: 50 }, () => ask(keys.red, { "x-request-id": clientId })))));
    expect(answers.every((answer) => answer.echoed === clientId && uuid.test(answer.server))).toBe(true);
    expect(new Set(answers.map((answer) => answer.server)).size).toBe(200);
    expect(upstream.calls.filter((recorded) => recorded.headers["x-request-id"] === clientId).length).toBe(200);
    // Feedback flushes the queued log rows before it looks the request up.
    expect((await call("/v1/feedback", keys.red, { request_id: answers[0]?.server, thumbs: "up" })).status).toBe(201);
    const listing = (await (await call(`/admin/requests?client_request_id=${clientId}&limit=1000`, adminKey)).json()) as { data: { id: string; client_request_id: string }[] };
    expect(listing.data.length).toBe(200);
    expect(new Set(listing.data.map((row) => row.id))).toEqual(new Set(answers.map((answer) => answer.server)));
    expect(listing.data.every((row) => row.client_request_id === clientId)).toBe(true);
  }, 60_000);

  it("answers with the server id alone when the client sent none or an unsafe one", async () => {
    const plain = await ask(keys.red);
    expect(uuid.test(plain.server)).toBe(true);
    expect(plain.echoed).toBe(plain.server);
    const unsafe = await ask(keys.red, { "x-request-id": "has spaces and <angle> brackets" });
    expect(unsafe.echoed).toBe(unsafe.server);
    // Feedback writes the queued rows first, so the lookup below finds the row.
    expect((await call("/v1/feedback", keys.red, { request_id: unsafe.server, thumbs: "down" })).status).toBe(201);
    const detail = (await (await call(`/admin/requests/${unsafe.server}`, adminKey)).json()) as { id: string; client_request_id: string | null };
    expect(detail).toMatchObject({ id: unsafe.server, client_request_id: null });
  });

  it("attaches feedback by the server id, only within the caller's tenant; anything else is the unknown id's 404", async () => {
    const red = await ask(keys.red, { "x-request-id": "client-chosen-id" });
    const solo = await ask(keys.solo);
    const feedback = (key: string, requestId: string): Promise<Response> => call("/v1/feedback", key, { request_id: requestId, label: "checked" });
    /** A refusal must read exactly like the one for an id nobody has. */
    const expectUnknown = async (response: Response, requestId: string): Promise<void> => {
      const unknown = await feedback(keys.blue, "no-such-request-anywhere");
      const expected = ((await unknown.json()) as { error: { message: string } }).error;
      expect(response.status).toBe(unknown.status);
      expect((await response.json()) as unknown).toEqual({ error: { ...expected, message: expected.message.replace("no-such-request-anywhere", requestId) } });
    };
    expect(uuid.test(red.server)).toBe(true);
    await expectUnknown(await feedback(keys.blue, red.server), red.server);
    await expectUnknown(await feedback(keys.solo, red.server), red.server);
    await expectUnknown(await feedback(keys.otherSolo, solo.server), solo.server);
    await expectUnknown(await feedback(keys.red, "client-chosen-id"), "client-chosen-id");
    expect((await feedback(keys.redToo, red.server)).status).toBe(201);
    expect((await feedback(keys.solo, solo.server)).status).toBe(201);
    const detail = (await (await call(`/admin/requests/${red.server}`, adminKey)).json()) as { feedback: { label: string }[] };
    expect(detail.feedback).toMatchObject([{ label: "checked" }]);
  });
});
