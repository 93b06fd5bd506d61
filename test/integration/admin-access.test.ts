import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import type { RunningGateway } from "../../src/main.js";
import { startTestGateway } from "../helpers/gateway.js";

const model = "models:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: http://127.0.0.1:9/v1 }\n";
const adminKey = "admin-key-for-tests-0123456789";
const jwtSecret = "a-test-hs256-secret-of-at-least-32-chars";

async function withGateway(yaml: string, use: (gateway: RunningGateway) => Promise<void>): Promise<void> {
  const gateway = await startTestGateway(yaml);
  try {
    await use(gateway);
  } finally {
    await gateway.close();
  }
}

async function admin(gateway: RunningGateway, token?: string): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const response = await fetch(`${gateway.url}/admin/keys`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { error?: { code: string; message: string } };
  return { status: response.status, code: body.error?.code, message: body.error?.message };
}

/** A GET with a chosen Host header (fetch does not let one set it). */
function getWithHost(gateway: RunningGateway, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${gateway.url}${path}`, { headers: { host } }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", reject);
    request.end();
  });
}

/** Writes raw HTTP and reads until the server closes the connection. */
function raw(gateway: RunningGateway, text: string): Promise<string> {
  const { port } = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.end(text));
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
  });
}

describe("the admin API is never open by accident", () => {
  it("refuses everyone, saying how to configure it, without an auth section and with mode none", async () => {
    for (const yaml of [model, `auth: { mode: none }\n${model}`]) {
      await withGateway(yaml, async (gateway) => {
        const refused = await admin(gateway);
        expect(refused).toMatchObject({ status: 403, code: "permission_denied" });
        expect(refused.message).toContain("auth.admin_key");
        expect(refused.message).toContain("open_on_loopback");
        expect((await fetch(`${gateway.url}/admin/requests`)).status).toBe(403);
        expect((await admin(gateway, adminKey)).status).toBe(403);
      });
    }
  });

  it("refuses without a valid credential with mode keys, with or without an admin key, and with mode jwt", async () => {
    await withGateway(`auth: { mode: keys }\n${model}`, async (gateway) => {
      const refused = await admin(gateway);
      expect(refused).toMatchObject({ status: 401, code: "authentication_required" });
      expect(refused.message).toContain("auth.admin_key");
      expect((await admin(gateway, "anything-at-all-0000000")).status).toBe(403);
      expect((await admin(gateway, "gk-not-a-real-key-000000000000000000000")).status).toBe(401);
    });
    await withGateway(`auth: { mode: keys, admin_key: "${adminKey}" }\n${model}`, async (gateway) => {
      expect(await admin(gateway)).toMatchObject({ status: 401, code: "authentication_required" });
      expect(await admin(gateway, "wrong-admin-key-0000000")).toMatchObject({ status: 403, code: "permission_denied" });
      expect((await admin(gateway, adminKey)).status).toBe(200);
    });
    await withGateway(`auth: { mode: jwt, jwt: { secret: "${jwtSecret}" } }\n${model}`, async (gateway) => {
      expect((await admin(gateway)).status).toBe(401);
      const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("alice").setIssuedAt().setExpirationTime("5m").sign(new TextEncoder().encode(jwtSecret));
      expect((await admin(gateway, token)).status).toBe(403);
    });
  });

  it("is open only with admin.open_on_loopback, which a non-loopback bind refuses", async () => {
    await withGateway(`admin: { open_on_loopback: true }\n${model}`, async (gateway) => {
      expect((await admin(gateway)).status).toBe(200);
    });
    expect(() => parseConfig(`server: { host: 0.0.0.0 }\nadmin: { open_on_loopback: true }\nauth: { mode: keys, admin_key: "${adminKey}" }\n${model}`)).toThrow(/open_on_loopback/);
    expect(() => parseConfig(`server: { host: 0.0.0.0 }\nauth: { mode: none }\n${model}`)).toThrow(/auth\.mode none/);
  });

  it("never adds CORS headers to the admin API", async () => {
    await withGateway(`server: { cors: { origins: ["https://app.example"] } }\nauth: { mode: keys, admin_key: "${adminKey}" }\n${model}`, async (gateway) => {
      const response = await fetch(`${gateway.url}/admin/keys`, { headers: { origin: "https://app.example", authorization: `Bearer ${adminKey}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      const preflight = await fetch(`${gateway.url}/admin/keys`, { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } });
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
      const api = await fetch(`${gateway.url}/v1/models`, { headers: { origin: "https://app.example" } });
      expect(api.headers.get("access-control-allow-origin")).toBe("https://app.example");
    });
  });
});

describe("Host header checks", () => {
  it("answers a rebinding Host with 421 on every route, and the loopback names as usual", async () => {
    await withGateway(`admin: { open_on_loopback: true }\n${model}`, async (gateway) => {
      const { port } = new URL(gateway.url);
      for (const path of ["/admin/keys", "/v1/models", "/healthz"]) {
        const refused = await getWithHost(gateway, path, `evil.example:${port}`);
        expect(refused.status).toBe(421);
        expect(JSON.parse(refused.body)).toMatchObject({ error: { code: "misdirected_request" } });
      }
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST.:${port}`]) expect((await getWithHost(gateway, "/admin/keys", host)).status).toBe(200);
    });
  });

  it("uses server.allowed_hosts when given", async () => {
    await withGateway(`server: { allowed_hosts: [gateway.example] }\n${model}`, async (gateway) => {
      expect((await getWithHost(gateway, "/v1/models", "gateway.example:8443")).status).toBe(200);
      expect((await getWithHost(gateway, "/v1/models", "localhost")).status).toBe(421);
    });
  });

  it("answers HTTP/1.1 without Host with a JSON 400 and serves HTTP/1.0 without it", async () => {
    await withGateway(model, async (gateway) => {
      const missing = await raw(gateway, "GET /healthz HTTP/1.1\r\nconnection: close\r\n\r\n");
      expect(missing).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(missing.slice(missing.indexOf("\r\n\r\n") + 4))).toMatchObject({ error: { code: "invalid_request", message: "HTTP/1.1 requests need a Host header." } });
      expect(await raw(gateway, "GET /healthz HTTP/1.0\r\n\r\n")).toMatch(/^HTTP\/1\.1 200 /);
    });
  });

  it("closes the connection after an error answer when the client asked to (Connection: close, HTTP/1.0)", async () => {
    await withGateway(model, async (gateway) => {
      const http10 = await raw(gateway, "GET /nope HTTP/1.0\r\nhost: 127.0.0.1\r\n\r\n");
      expect(http10).toMatch(/^HTTP\/1\.1 404 /);
      expect(http10.toLowerCase()).not.toContain("keep-alive");
      const closed = await raw(gateway, "GET /nope HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n");
      expect(closed).toMatch(/^HTTP\/1\.1 404 /);
      expect(closed.toLowerCase()).toContain("connection: close");
    });
  });
});
