import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storiesModel, waitFor } from "./engine-helpers.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
let child: ChildProcessWithoutNullStreams;
let url: string;
let output = "";

beforeAll(async () => {
  child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/gantry.ts", "engine", "--model", storiesModel, "--port", "0", "--parallel", "4", "--threads", "1", "--context-size", "1024", "--served-model-name", "stories"],
    { cwd: root, env: { ...process.env, NODE_OPTIONS: "" } },
  );
  child.stdout.setEncoding("utf8").on("data", (text: string) => (output += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (output += text));
  await waitFor(() => /"url":"(http:[^"]+)"/.test(output) || child.exitCode !== null, 60_000, 50);
  const found = /"url":"(http:[^"]+)"/.exec(output)?.[1];
  if (found === undefined) throw new Error(`gantry engine did not start:\n${output}`);
  url = found;
  await waitFor(async () => (await fetch(`${url}/health`)).status === 200, 30_000, 50);
}, 90_000);

afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.kill("SIGTERM");
  await exited;
});

describe("gantry engine (child process)", () => {
  it("answers chat through the OpenAI API under the served model name", async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0 });
    expect((await client.models.list()).data.map((model) => model.id)).toEqual(["stories"]);
    const answer = await client.chat.completions.create({ model: "stories", messages: [{ role: "user", content: "Tell me a story" }], max_tokens: 16, seed: 1, ...{ ignore_eos: true } });
    expect(answer.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0);
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
    expect(health.status).toBe("ok");
  });

  it("serves Prometheus metrics with the vLLM gauges and histograms", async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^vllm:num_requests_running\{model_name="stories"\} 0$/m);
    expect(text).toMatch(/^vllm:num_requests_waiting\{model_name="stories"\} 0$/m);
    expect(text).toMatch(/^vllm:kv_cache_usage_perc\{model_name="stories"\} 0$/m);
    expect(text).toMatch(/^vllm:time_to_first_token_seconds_count\{model_name="stories"\} [1-9]/m);
    expect(text).toMatch(/^vllm:time_per_output_token_seconds_count\{model_name="stories"\} [1-9]/m);
    expect(text).toMatch(/^vllm:request_prompt_tokens_sum\{model_name="stories"\} [1-9]/m);
    expect(text).toMatch(/^vllm:request_generation_tokens_sum\{model_name="stories"\} 16$/m);
  });

  it("stops on SIGTERM", async () => {
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
