import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { startGateway, type RunningGateway } from "../../src/main.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { testDatabase, upstreamConfig } from "../helpers/gateway.js";

// The start-up warm-up sends requests through a private copy of the gateway (ADR 0010): the real gateway's upstreams,
// request log and metrics must never see them.

const adminKey = "admin-key-for-warm-up-tests-0123456";
const admin = { authorization: `Bearer ${adminKey}` };
let upstream: FakeUpstream;
let gateway: RunningGateway;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const yaml = upstreamConfig([upstream.baseUrl], `auth: { mode: keys, admin_key: "${adminKey}" }`);
  const config = parseConfig(yaml, process.env, "test");
  gateway = await startGateway({ ...config, database: testDatabase(yaml, config), server: { ...config.server, port: 0, host: "127.0.0.1", warm_up_requests: 40 } }, { logger: pino({ level: "silent" }) });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe("the start-up warm-up", () => {
  it("leaves no trace on the real upstream, request log or metrics, and the gateway then serves", async () => {
    expect(upstream.calls).toHaveLength(0);
    const rows = (await (await fetch(`${gateway.url}/admin/requests`, { headers: admin })).json()) as { data: unknown[] };
    expect(rows.data).toHaveLength(0);
    const metrics = await (await fetch(`${gateway.url}/metrics`, { headers: admin })).text();
    expect(metrics).not.toContain("warm-up");
    const created = await fetch(`${gateway.url}/admin/keys`, { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ name: "app" }) });
    const { key } = (await created.json()) as { key: string };
    const answer = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "story", messages: [{ role: "user", content: "Hello" }] }),
    });
    expect(answer.status).toBe(200);
    expect(upstream.calls).toHaveLength(1);
  });
});
