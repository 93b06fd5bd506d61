import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { startGateway, type RunningGateway } from "../../src/main.js";
import { testDatabase, upstreamConfig } from "../helpers/gateway.js";

const lines: string[] = [];
let gateway: RunningGateway;

beforeAll(async () => {
  const config = parseConfig(upstreamConfig(["http://127.0.0.1:9/v1"], "server: { body_limit_bytes: 2000000 }\nrequest_log: { enabled: false }").replace("server: { shutdown_grace_ms: 2000 }\n", ""));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  gateway = await startGateway({ ...config, database: testDatabase("", config), server: { ...config.server, port: 0 } }, { logger: pino({ level: "info" }, sink) });
});
afterAll(() => gateway.close());

describe("long client-supplied strings", () => {
  it("are clipped in the 404 for an unknown 1 MB model name and in the log line", async () => {
    const name = "m".repeat(1_000_000);
    const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: name, messages: [{ role: "user", content: "hi" }] }) });
    const text = await response.text();
    expect(response.status).toBe(404);
    expect(text.length).toBeLessThan(1000);
    expect((JSON.parse(text) as { error: { message: string } }).error.message).toBe(`The model "${"m".repeat(256)}…(1000000 bytes)" does not exist.`);
    const logged = lines.map((line) => JSON.parse(line) as { msg: string; model?: string }).find((line) => line.msg === "request" && line.model !== undefined);
    expect(logged?.model).toBe(`${"m".repeat(256)}…(1000000 bytes)`);
    expect(lines.every((line) => line.length < 4000)).toBe(true);
  });

  it("are clipped in the 404 for an unknown route", async () => {
    const response = await fetch(`${gateway.url}/v1/${"x".repeat(5000)}`);
    expect(response.status).toBe(404);
    expect((await response.text()).length).toBeLessThan(1000);
  });
});
