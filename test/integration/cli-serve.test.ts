import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { exited, listening, runGantry as run } from "../helpers/gantry-process.js";

const root = new URL("../..", import.meta.url).pathname;
let upstream: FakeUpstream;
let directory: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  directory = mkdtempSync(join(tmpdir(), "gantry-cli-"));
});
afterAll(() => upstream.close());

describe("gantry serve", () => {
  it("exits non-zero listing every config problem with its path", async () => {
    const file = join(directory, "bad.yaml");
    writeFileSync(file, "server: { port: -1, bogus: 1 }\nmodels:\n  - name: a\n    deployments:\n      - { provider: openai-compatible, base_url: ftp://x }\n");
    const result = await exited(run(["serve", "--config", file]));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("server.bogus: unknown key");
    expect(result.stderr).toContain("server.port:");
    expect(result.stderr).toContain("models[0].deployments[0].base_url:");
  });

  it("refuses --host off loopback without auth with a clean error, no stack trace", async () => {
    const file = join(directory, "loopback.yaml");
    writeFileSync(file, `server: { port: 0 }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}" }\n`);
    const result = await exited(run(["serve", "--config", file, "--host", "0.0.0.0"]));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("refusing to listen on 0.0.0.0 without authentication");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("without a config serves the quick-start defaults from the package, whatever the working directory, and says so", async () => {
    const server = run(["serve", "--port", "0"], { GANTRY_CONFIG: "" }, directory);
    const result = exited(server);
    const url = await listening(server);
    try {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0 });
      const answer = await client.chat.completions.create({ model: "story", messages: [{ role: "user", content: "What is Gantry?" }] }).withResponse();
      expect(answer.response.headers.get("x-gantry-deployment")).toBe("story/fast-path");
    } finally {
      server.kill("SIGTERM");
    }
    const { code, stdout } = await result;
    expect(code).toBe(0);
    expect(stdout).toMatch(/serving the quick-start defaults/);
    expect(stdout).toContain(join(root, "examples/gantry.yaml"));
  });

  it("serves from GANTRY_CONFIG, logs JSON with request ids and no secrets, and drains a stream on SIGTERM", async () => {
    const file = join(directory, "good.yaml");
    writeFileSync(file, `server: { port: 0, shutdown_grace_ms: 5000 }\ndatabase: { path: "${join(directory, "gantry.db")}" }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny, api_key: "\${SECRET_KEY}" }\n`);
    const server = run(["serve"], { GANTRY_CONFIG: file, SECRET_KEY: "sk-do-not-log-me" });
    const result = exited(server);
    const url = await listening(server);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "client-key-do-not-log", maxRetries: 0 });
    await client.chat.completions.create({ model: "story", messages: [{ role: "user", content: "hi" }] }, { headers: { "x-request-id": "cli-req-1" } });
    upstream.enqueue({ kind: "ok", chunkDelayMs: 40, text: "a b c d e f g h i j" });
    const stream = await client.chat.completions.create({ model: "story", messages: [{ role: "user", content: "hi" }], stream: true });
    server.kill("SIGTERM");
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("a b c d e f g h i j");
    const { code, stdout } = await result;
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line["client_request_id"] === "cli-req-1")).toMatchObject({ request_id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 200, model: "story", deployment: "story/0" });
    expect(lines.some((line) => line["msg"] === "gantry stopped")).toBe(true);
    expect(stdout).not.toContain("sk-do-not-log-me");
    expect(stdout).not.toContain("client-key-do-not-log");
  });
});
