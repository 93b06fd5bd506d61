import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { parseConfig } from "../../src/config/load-config.js";
import { startGateway, type RunningGateway } from "../../src/main.js";
import type { Provider } from "../../src/pipeline/provider.js";
import { createProvider, type ProviderFactory } from "../../src/providers/model-registry.js";
import { createFakeClock } from "../helpers/fake-clock.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";

let first: FakeUpstream;
let second: FakeUpstream;
let gateway: RunningGateway;
// Named in every config, so a reload keeps the same registry database (a changed one would wait for a restart).
const database = join(mkdtempSync(join(tmpdir(), "gantry-reload-")), "gantry.db");

const yamlFor = (models: string, limits = ""): string =>
  `server: { port: 0, shutdown_grace_ms: 2000, warm_up_requests: 0 }\nadmin: { open_on_loopback: true }\nmetrics: { enabled: true }\ndatabase: { path: "${database}" }\n${limits}\nmodels:\n${models}`;
const story = (url: string): string => `  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${url}", upstream_model: tiny }\n`;

beforeAll(async () => {
  [first, second] = await Promise.all([startFakeUpstream({ record: false }), startFakeUpstream({ record: true })]);
  gateway = await startTestGateway(yamlFor(story(first.baseUrl)));
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([first.close(), second.close()]);
});

async function chat(model: string): Promise<{ status: number; text: string; version: string | null }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 3 }) });
  return { status: response.status, text: await response.text(), version: response.headers.get("x-gantry-model-version") };
}

const load = (yaml: string) => () => parseConfig(yaml, process.env, "reload.yaml");

interface AdminConfig {
  generation: number;
  hash: string;
  loaded_at: string;
  reloads: Record<string, number>;
  restart_pending: string[];
  last_problem?: string;
}

async function adminConfig(): Promise<AdminConfig> {
  const response = await fetch(`${gateway.url}/admin/config`);
  expect(response.status).toBe(200);
  return (await response.json()) as AdminConfig;
}

describe("config reload", () => {
  it("adds a model and moves a deployment; a request in flight finishes on the routing it started with", async () => {
    const before = await adminConfig();
    expect(before.generation).toBe(1);
    expect(Date.parse(before.loaded_at)).toBeGreaterThan(0);
    let release: () => void = () => {};
    first.enqueue({ kind: "ok", until: new Promise<void>((resolve) => (release = resolve)) });
    const inFlight = chat("story");
    await expect.poll(() => first.openRequests()).toBe(1);

    const result = await gateway.reload(load(yamlFor(story(second.baseUrl) + `  - name: added\n    deployments:\n      - { provider: openai-compatible, base_url: "${second.baseUrl}", upstream_model: tiny }\n`)));
    expect(result).toBe("success");
    expect((await chat("added")).status).toBe(200);
    const secondCalls = second.calls.length;
    const moved = await chat("story");
    expect(moved.status).toBe(200);
    // The changed definition is a new registry version, now prod; new requests go to the new deployment while the
    // held one is still open on the old upstream, and then finishes.
    expect(moved.version).toBe("2");
    expect(second.calls.length).toBe(secondCalls + 1);
    expect(first.openRequests()).toBe(1);
    release();
    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(finished.version).toBe("1");

    const after = await adminConfig();
    expect(after.generation).toBe(2);
    expect(after.hash).not.toBe(before.hash);
    expect(after.reloads["success"]).toBe(1);
    expect(after.restart_pending).toEqual([]);
    const models = (await (await fetch(`${gateway.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((model) => model.id)).toEqual(["story", "added"]);
  });

  it("refuses an invalid config with its problems and keeps serving the old one", async () => {
    const before = await adminConfig();
    const result = await gateway.reload(load(yamlFor(`  - name: story\n    fallbacks: [nowhere]\n    deployments:\n      - { provider: openai-compatible, base_url: "${first.baseUrl}", upstream_model: tiny }\n`)));
    expect(result).toBe("invalid");
    const after = await adminConfig();
    expect(after.generation).toBe(before.generation);
    expect(after.hash).toBe(before.hash);
    expect(after.last_problem).toContain('models[0].fallbacks[0]: unknown model "nowhere"');
    expect((await chat("added")).status).toBe(200);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toContain('gantry_config_reload_total{result="invalid"} 1');
    expect(metrics).toContain('gantry_config_reload_total{result="success"} 1');
    expect(metrics).toContain(`gantry_config_info{hash="${after.hash}"} 1`);
  });

  it("applies new limits to the next requests, and names the keys that wait for a restart", async () => {
    expect((await chat("story")).status).toBe(200);
    expect(await gateway.reload(load(yamlFor(story(second.baseUrl), "limits: { max_prompt_tokens: 1 }\nlogging: { level: debug }")))).toBe("success");
    const refused = await chat("story");
    expect(refused.status).toBe(400);
    expect(refused.text).toContain("prompt_too_long");
    expect((await adminConfig()).restart_pending).toEqual(["logging"]);
  });
});

describe("config reload and providers", () => {
  it("reads rules files again even when the config is unchanged, as a SIGHUP after editing one does", async () => {
    const directory = mkdtempSync(join(tmpdir(), "gantry-reload-rules-"));
    const rulesFile = join(directory, "rules.yaml");
    writeFileSync(rulesFile, `rules:\n  - exact: "ping"\n    answer: "pong"\n`);
    const yaml = `server: { port: 0 }\ndatabase: { path: "${join(directory, "gantry.db")}" }\nmodels:\n  - name: canned\n    deployments:\n      - { provider: rules, rules_file: "${rulesFile}" }\n`;
    const rules = await startTestGateway(yaml);
    const answer = async (): Promise<string> => {
      const response = await fetch(`${rules.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "canned", messages: [{ role: "user", content: "ping" }] }) });
      return ((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? "";
    };
    try {
      expect(await answer()).toBe("pong");
      writeFileSync(rulesFile, `rules:\n  - exact: "ping"\n    answer: "pong, again"\n`);
      expect(await answer()).toBe("pong");
      expect(await rules.reload(load(yaml))).toBe("success");
      expect(await answer()).toBe("pong, again");
    } finally {
      await rules.close();
    }
  });

  it("keeps the providers of unchanged deployments and closes a removed one once its total timeout has passed", async () => {
    const clock = createFakeClock();
    const made: string[] = [];
    const closed: string[] = [];
    // Records which model each provider was made for, and when it is closed.
    const providerFactory: ProviderFactory = (deployment, modelName, timeouts) => {
      const provider: Provider = createProvider(deployment, modelName, timeouts);
      made.push(modelName);
      const close = provider.close.bind(provider);
      return Object.assign(provider, { close: async () => (closed.push(modelName), close()) });
    };
    const model = (name: string, url: string): string => `  - name: ${name}\n    deployments:\n      - { provider: openai-compatible, base_url: "${url}", upstream_model: tiny }\n`;
    const path = join(mkdtempSync(join(tmpdir(), "gantry-reload-")), "gantry.db");
    const yaml = (models: string): string => `server: { port: 0, warm_up_requests: 0 }\ntimeouts: { total_ms: 5000 }\ndatabase: { path: "${path}" }\nmodels:\n${models}`;
    const clocked = await startGateway(parseConfig(yaml(model("kept", first.baseUrl) + model("removed", second.baseUrl)), process.env, "providers.yaml"), {
      logger: pino({ level: "silent" }),
      providerFactory,
      time: { clock, schedule: clock.schedule, sleep: clock.sleep, now: clock.now },
    });
    try {
      expect(made).toEqual(["kept", "removed"]);
      expect(await clocked.reload(load(yaml(model("kept", first.baseUrl) + model("added", second.baseUrl))))).toBe("success");
      // The unchanged deployment keeps its provider (its connection pool); only the new one is made.
      expect(made).toEqual(["kept", "removed", "added"]);
      // A request that started before the reload may still hold the removed provider for up to its total timeout.
      clock.advance(4999);
      expect(closed).toEqual([]);
      clock.advance(1);
      expect(closed).toEqual(["removed"]);
    } finally {
      await clocked.close();
    }
    expect(closed.sort()).toEqual(["added", "kept", "removed"]);
  });
});
