import pino from "pino";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/load-config.js";
import { startGateway } from "../../src/main.js";
import { startTestGateway } from "../helpers/gateway.js";

const model = "models:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: http://127.0.0.1:9/v1 }\n";

describe("secure defaults", () => {
  it("refuses a non-loopback bind without an auth section, at load", () => {
    expect(() => parseConfig(`server: { host: 0.0.0.0 }\n${model}`)).toThrow(/auth: refusing to listen on 0\.0\.0\.0 without authentication/);
    expect(() => parseConfig(`server: { host: "::" }\n${model}`)).toThrow(ConfigError);
    expect(() => parseConfig(`server: { host: 0.0.0.0 }\nauth: { mode: keys }\n${model}`)).toThrow(/open admin API/);
    expect(() => parseConfig(`server: { host: 0.0.0.0 }\nauth: { mode: none }\n${model}`)).toThrow(/auth\.mode none/);
  });

  it("allows loopback without auth, and any address with auth and an admin key", () => {
    for (const host of ["127.0.0.1", "127.8.9.10", "::1", "localhost"]) expect(parseConfig(`server: { host: "${host}" }\n${model}`).server.host).toBe(host);
    expect(parseConfig(`auth: { mode: none }\n${model}`).auth?.mode).toBe("none");
    expect(parseConfig(`server: { host: 0.0.0.0 }\nauth: { mode: keys, admin_key: "0123456789abcdef0123" }\n${model}`).auth?.mode).toBe("keys");
  });

  it("refuses at start too, when --host overrides the config", async () => {
    const config = parseConfig(model);
    await expect(startGateway({ ...config, server: { ...config.server, host: "0.0.0.0", port: 0 } }, { logger: pino({ level: "silent" }) })).rejects.toThrow(/without authentication/);
  });
});

describe("CORS", () => {
  it("is off by default: no CORS headers, preflight not answered as CORS", async () => {
    const gateway = await startTestGateway(model);
    try {
      const response = await fetch(`${gateway.url}/v1/models`, { headers: { origin: "https://app.example" } });
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      const preflight = await fetch(`${gateway.url}/v1/chat/completions`, { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } });
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await gateway.close();
    }
  });

  it("answers preflights and tags responses for configured origins only", async () => {
    const gateway = await startTestGateway(`server: { cors: { origins: ["https://app.example"] } }\n${model}`);
    try {
      const preflight = await fetch(`${gateway.url}/v1/chat/completions`, { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization" } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
      const other = await fetch(`${gateway.url}/v1/models`, { headers: { origin: "https://evil.example" } });
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
      const allowed = await fetch(`${gateway.url}/v1/models`, { headers: { origin: "https://app.example" } });
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect(allowed.headers.get("access-control-expose-headers")).toContain("x-ratelimit-remaining-requests");
    } finally {
      await gateway.close();
    }
  });
});
