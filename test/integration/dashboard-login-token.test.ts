import { afterEach, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/main.js";
import { startGatewayReadingLoginUrl } from "../helpers/login-url-gateway.js";

const model = "models:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: http://127.0.0.1:9/v1 }\n";
const open: RunningGateway[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((gateway) => gateway.close()));
});

async function start(yaml: string): Promise<{ gateway: RunningGateway; loginUrl: string | undefined }> {
  const started = await startGatewayReadingLoginUrl(yaml);
  open.push(started.gateway);
  return started;
}

describe("the dashboard login token of a loopback gateway without an admin key", () => {
  it("is logged as a login URL, opens a session, and is refused as an admin credential", async () => {
    const { gateway, loginUrl } = await start(model);
    expect(loginUrl).toMatch(new RegExp(`^${gateway.url}/ui/\\?token=[\\w-]{32}$`));
    const token = new URL(loginUrl ?? "http://x").searchParams.get("token") ?? "";

    const closed = await fetch(`${gateway.url}/admin/deployments`);
    expect(closed.status).toBe(403);
    expect(((await closed.json()) as { error: { message: string } }).error.message).toContain("startup log");
    const asBearer = await fetch(`${gateway.url}/admin/deployments`, { headers: { authorization: `Bearer ${token}` } });
    expect(asBearer.status).toBe(403);
    expect(((await asBearer.json()) as { error: { message: string } }).error.message).toContain("only opens a session");
    expect((await fetch(`${gateway.url}/admin/session`, { method: "POST", headers: { authorization: "Bearer not-the-token" } })).status).toBe(403);

    const login = await fetch(`${gateway.url}/admin/session`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(login.status).toBe(201);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
    expect((await fetch(`${gateway.url}/admin/deployments`, { headers: { cookie } })).status).toBe(200);
    // The session still needs its CSRF token on writes.
    expect((await fetch(`${gateway.url}/admin/session`, { method: "DELETE", headers: { cookie } })).status).toBe(403);
    expect((await fetch(`${gateway.url}/admin/session`, { method: "DELETE", headers: { cookie, "x-csrf-token": csrf } })).status).toBe(200);
  });

  it("is not made when an admin key is configured or the admin API is open on loopback", async () => {
    expect((await start(`auth: { mode: keys, admin_key: "admin-key-for-tests-0123456789" }\n${model}`)).loginUrl).toBeUndefined();
    expect((await start(`admin: { open_on_loopback: true }\n${model}`)).loginUrl).toBeUndefined();
  });
});
