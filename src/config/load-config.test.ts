import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./load-config.js";

const minimal = `
server: { host: 127.0.0.1, port: 4000 }
models:
  - name: story
    deployments:
      - provider: openai-compatible
        base_url: http://127.0.0.1:9001/v1
        upstream_model: tiny
        api_key: \${UPSTREAM_KEY}
`;

function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  return [];
}

describe("config", () => {
  it("parses the minimal documented shape, applies defaults and interpolates secrets", () => {
    const config = parseConfig(minimal, { UPSTREAM_KEY: "sk-secret" });
    const deployment = config.models[0]?.deployments[0];
    expect(deployment).toMatchObject({ provider: "openai-compatible", api_key: "sk-secret", upstream_model: "tiny", max_connections: 128 });
    expect(config.server.body_limit_bytes).toBe(4 * 1024 * 1024);
    expect(config.logging.level).toBe("info");
    expect(Object.isFrozen(config.models[0])).toBe(true);
  });

  it("supports ${VAR:-default} and $$ escapes", () => {
    const config = parseConfig(minimal.replace("${UPSTREAM_KEY}", "${MISSING:-fallback}$$x"), {});
    expect(config.models[0]?.deployments[0]).toMatchObject({ api_key: "fallback$x" });
  });

  it("reports every problem at once with its path", () => {
    const problems = problemsOf(
      `
server: { port: 70000, colour: blue }
models:
  - name: story
    deployments:
      - provider: openai-compatible
        base_url: not a url
        api_key: \${NOPE}
        retries: 3
  - name: story
    deployments: []
`,
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        "server.colour: unknown key",
        expect.stringMatching(/^server\.port: /),
        expect.stringMatching(/^models\[0\]\.deployments\[0\]\.base_url: /),
        "models[0].deployments[0].retries: unknown key",
        "models[0].deployments[0].api_key: environment variable NOPE is not set",
        expect.stringMatching(/^models\[1\]\.deployments: /),
      ]),
    );
    expect(problems.length).toBeGreaterThanOrEqual(6);
  });

  it("rejects unknown providers, duplicate models and broken YAML", () => {
    expect(problemsOf("models:\n  - name: a\n    deployments:\n      - { provider: magic }\n")[0]).toMatch(/^models\[0\]\.deployments\[0\]\.provider: /);
    expect(problemsOf(minimal + minimal.split("models:\n")[1], { UPSTREAM_KEY: "k" })).toContain('models[1].name: duplicate model name "story"');
    expect(problemsOf("models: [\n")[0]).toMatch(/^\(yaml\): /);
    expect(problemsOf("")).toEqual(["models: Invalid input: expected array, received undefined"]);
  });

  it("says how to quote an environment reference inside a flow map", () => {
    const problems = problemsOf(`auth: { mode: keys, admin_key: \${GANTRY_ADMIN_KEY} }\n${minimal}`, { GANTRY_ADMIN_KEY: "k".repeat(24), UPSTREAM_KEY: "k" });
    expect(problems[0]).toBe('(yaml) line 1: ${GANTRY_ADMIN_KEY} inside { } or [ ] must be quoted: write "${GANTRY_ADMIN_KEY}" (or use block style, one key per line)');
    const quoted = parseConfig(`auth: { mode: keys, admin_key: "\${GANTRY_ADMIN_KEY}" }\n${minimal}`, { GANTRY_ADMIN_KEY: "k".repeat(24), UPSTREAM_KEY: "k" }, "test");
    expect(quoted.auth?.admin_key).toBe("k".repeat(24));
  });
});
