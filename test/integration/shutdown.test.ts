import { mkdtempSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";
import { exited, listening, runGantry, stdoutMatch } from "../helpers/gantry-process.js";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(() => upstream.close());

const messages = [{ role: "user" as const, content: "hi" }];
const longText = Array.from({ length: 40 }, (_, index) => `t${index}`).join(" ");

describe("graceful shutdown", () => {
  it("finishes in-flight streams within the grace period and refuses new connections", async () => {
    const gateway = await startTestGateway(upstreamConfig([upstream.baseUrl]));
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
    upstream.enqueue({ kind: "ok", chunkDelayMs: 20, text: "a b c d e" });
    const stream = await client.chat.completions.create({ model: "story", messages, stream: true });
    const closed = gateway.close();
    await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("a b c d e");
    await closed;
    expect(gateway.app.inFlight()).toBe(0);
  });

  it("ends streams still running at the deadline with a shutting_down error event", async () => {
    const gateway = await startTestGateway(upstreamConfig([upstream.baseUrl]).replace("shutdown_grace_ms: 2000", "shutdown_grace_ms: 150"));
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
    upstream.enqueue({ kind: "ok", chunkDelayMs: 30, text: longText });
    const stream = await client.chat.completions.create({ model: "story", messages, stream: true });
    const abortedBefore = upstream.abortedRequests();
    const closed = gateway.close();
    const error = await (async () => {
      for await (const _chunk of stream) {
        // drain
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIError);
    expect(((error as APIError).error as { code?: string }).code).toBe("shutting_down");
    await closed;
    // Cut at the deadline, not run to its end: the upstream stream was abandoned too.
    await expect.poll(() => upstream.abortedRequests()).toBe(abortedBefore + 1);
  });
});

/** What one client request ended with: a status (and its code and Connection header) or a socket error code. */
interface Outcome {
  status?: number;
  code?: string;
  connection?: string;
  error?: string;
}

/** POSTs a chat completion over `agent` and reads the whole answer. */
function post(url: string, agent: Agent, body: Record<string, unknown>, onHeaders?: () => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const request = httpRequest(`${url}/v1/chat/completions`, { method: "POST", agent, headers: { "content-type": "application/json" } }, (response) => {
      onHeaders?.();
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      response.on("end", () => {
        const code = response.statusCode === 200 ? undefined : (JSON.parse(text) as { error: { code: string } }).error.code;
        resolve({ status: response.statusCode ?? 0, ...(code === undefined ? {} : { code }), connection: response.headers.connection ?? "" });
      });
    });
    request.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    request.end(JSON.stringify({ model: "story", messages, ...body }));
  });
}

describe("SIGTERM under keep-alive load (gantry serve)", () => {
  it("finishes 100 in-flight requests, answers requests on kept-alive sockets with 503 + Connection: close, logs every answer and exits 0", async () => {
    // Its own upstream: requests left open by the tests above would throw the counts below off.
    const upstream = await startFakeUpstream();
    const directory = mkdtempSync(join(tmpdir(), "gantry-drain-"));
    const database = join(directory, "gantry.db");
    const file = join(directory, "gantry.yaml");
    writeFileSync(file, `server: { port: 0, shutdown_grace_ms: 20000 }\ndatabase: { path: "${database}" }\nlogging: { requests: false }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }\n`);
    const child = runGantry(["serve", "--config", file]);
    const result = exited(child);
    const url = await listening(child);
    // 50 streams answer headers at once and end ~4.5 s later; 50 plain requests answer after 7 s. SIGTERM goes between.
    const agent = new Agent({ keepAlive: true, maxSockets: 100 });
    upstream.enqueue(...Array.from({ length: 50 }, () => ({ kind: "ok" as const, chunkDelayMs: 150, text: Array.from({ length: 30 }, (_, index) => `w${index}`).join(" ") })));
    // A stream's headers leave with its first event: wait for them, so the streams' sockets stay kept-alive through the drain.
    let streamsAnswering = 0;
    const streams = Array.from({ length: 50 }, () => post(url, agent, { stream: true }, () => streamsAnswering++));
    while (upstream.openRequests() < 50 || streamsAnswering < 50) await new Promise((resolve) => setTimeout(resolve, 10));
    upstream.enqueue(...Array.from({ length: 50 }, () => ({ kind: "ok" as const, delayMs: 7000 })));
    const plain = Array.from({ length: 50 }, () => post(url, agent, {}));
    while (upstream.openRequests() < 100) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill("SIGTERM");
    await stdoutMatch(child, /shutting down/);
    // Every socket is busy: these wait in the agent and go out on sockets the streams leave alive.
    const during = Array.from({ length: 50 }, () => post(url, agent, {}));
    const inFlight = await Promise.all([...streams, ...plain]);
    const late = await Promise.all(during);
    const { code } = await result;
    agent.destroy();
    await upstream.close();

    const all = [...inFlight, ...late];
    expect(all.filter((outcome) => outcome.error !== undefined && outcome.error !== "ECONNREFUSED")).toEqual([]);
    expect(inFlight.every((outcome) => outcome.status === 200)).toBe(true);
    expect(inFlight.slice(50).every((outcome) => outcome.connection === "close")).toBe(true);
    const refused = late.filter((outcome) => outcome.status !== undefined);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((outcome) => outcome.status === 503 && outcome.code === "shutting_down" && outcome.connection === "close")).toBe(true);
    expect(code).toBe(0);
    const db = new Database(database, { readonly: true });
    const rows = (db.prepare("SELECT count(*) AS n FROM requests").get() as { n: number }).n;
    db.close();
    expect(rows).toBe(all.filter((outcome) => outcome.status !== undefined).length);
  }, 180_000);
});
