import { mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWeb } from "../../tools/build-web.js";
import { openEvalStore } from "../../src/evals/open-eval-store.js";
import type { StoredItem } from "../../src/evals/eval-store.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";
import { startGatewayReadingLoginUrl } from "../helpers/login-url-gateway.js";
import { formatAxeViolations, seriousAxeViolations } from "../helpers/axe.js";
import type { RunningGateway } from "../../src/main.js";

const adminKey = "dashboard-admin-key-0123456789";
// A laptop screen; the screenshots in docs/images/dashboard are taken at this size (npm run docs:screenshots).
const viewport = { width: 1280, height: 800 };
/** Where the browser test leaves a screenshot of every page in both themes (git-ignored). */
const screenshotDir = resolve("test-artifacts/dashboard");
const chromiumArgs = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"];

let upstream: FakeUpstream;
let gateway: RunningGateway;
let browser: Browser;
let uiDir: string;
let databasePath: string;

/** Calls the admin API with the admin key. */
async function admin(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${gateway.url}${path}`, { ...init, headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json", ...(init.headers as Record<string, string> | undefined) } });
}

async function createKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const response = await admin("/admin/keys", { method: "POST", body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; key: string };
}

async function chat(key: string, requestId: string): Promise<void> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "x-request-id": requestId },
    body: JSON.stringify({ model: "story", messages: [{ role: "user", content: `hello from ${requestId}` }] }),
  });
  expect(response.status).toBe(200);
  await response.text();
}

async function logIn(page: Page, key: string): Promise<void> {
  await page.goto(`${gateway.url}/ui/`);
  await page.getByLabel("Admin key or admin virtual key").fill(key);
  await page.getByRole("button", { name: "Log in" }).click();
}

beforeAll(async () => {
  // The browser test builds the bundle itself: no manual build step before `npm test`.
  uiDir = mkdtempSync(join(tmpdir(), "gantry-ui-"));
  await buildWeb(uiDir);
  upstream = await startFakeUpstream();
  // A named database, so the eval test can seed runs into it the way `gantry eval` does.
  databasePath = join(mkdtempSync(join(tmpdir(), "gantry-ui-db-")), "gantry.db");
  const slos = "slos:\n  - { name: story-availability, model: story, objective: 99.5, sli: { kind: availability } }";
  gateway = await startTestGateway(
    upstreamConfig([upstream.baseUrl], `auth: { mode: keys, admin_key: "${adminKey}" }\nrequest_log: { bodies: true }\nui: { dir: "${uiDir}", live_interval_ms: 250 }\ndatabase: { path: "${databasePath}" }\ndrift: { min_samples: 5 }\nalerts: {}\n${slos}`),
  );
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: chromiumArgs });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await upstream?.close();
});

describe("the dashboard's static files", () => {
  it("serves index.html without caching, hashed assets as immutable, client routes as index.html, and nothing outside the build", async () => {
    const index = await fetch(`${gateway.url}/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await index.text();
    const script = readdirSync(join(uiDir, "assets")).find((name) => name.endsWith(".js"));
    expect(html).toContain(`/ui/assets/${script}`);
    const asset = await fetch(`${gateway.url}/ui/assets/${script}`, { headers: { "accept-encoding": "gzip" } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const route = await fetch(`${gateway.url}/ui/requests/some-id`);
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(html);
    expect((await fetch(`${gateway.url}/ui/assets/missing-abc.js`)).status).toBe(404);
    for (const path of ["/ui/%2e%2e/package.json", "/ui/..%2f..%2fpackage.json", "/ui/assets/%2e%2e/%2e%2e/package.json", "/ui/a%5c..%5cpackage.json"]) {
      expect((await fetch(`${gateway.url}${path}`)).status, path).toBeGreaterThanOrEqual(400);
    }
  });
});

describe("dashboard sessions over HTTP", () => {
  it("gives an admin credential an HttpOnly SameSite=Strict cookie, refuses writes without the CSRF token, and logs out", async () => {
    expect((await fetch(`${gateway.url}/admin/session`, { method: "POST" })).status).toBe(401);
    const plain = await createKey({ name: "not-admin" });
    const refused = await fetch(`${gateway.url}/admin/session`, { method: "POST", headers: { authorization: `Bearer ${plain.key}` } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("set-cookie")).toBeNull();

    const login = await admin("/admin/session", { method: "POST" });
    expect(login.status).toBe(201);
    const setCookie = login.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^gantry_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const cookie = setCookie.split(";")[0] ?? "";
    const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };

    expect((await fetch(`${gateway.url}/admin/keys`, { headers: { cookie } })).status).toBe(200);
    const body = JSON.stringify({ name: "via-cookie" });
    const noToken = await fetch(`${gateway.url}/admin/keys`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe("csrf_token_invalid");
    expect((await fetch(`${gateway.url}/admin/keys`, { method: "POST", headers: { cookie, "content-type": "application/json", "x-csrf-token": "forged" }, body })).status).toBe(403);
    expect((await fetch(`${gateway.url}/admin/keys`, { method: "POST", headers: { cookie, "content-type": "application/json", "x-csrf-token": csrf }, body })).status).toBe(201);

    expect((await fetch(`${gateway.url}/admin/session`, { method: "DELETE", headers: { cookie } })).status).toBe(403);
    const logout = await fetch(`${gateway.url}/admin/session`, { method: "DELETE", headers: { cookie, "x-csrf-token": csrf } });
    expect(logout.status).toBe(200);
    expect(logout.headers.get("set-cookie")).toContain("Max-Age=0");
    const after = await fetch(`${gateway.url}/admin/keys`, { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe("session_expired");
  });

  it("ends a virtual admin key's session when the key is revoked", async () => {
    const adminVirtual = await createKey({ name: "ops", admin: true });
    const login = await fetch(`${gateway.url}/admin/session`, { method: "POST", headers: { authorization: `Bearer ${adminVirtual.key}` } });
    expect(login.status).toBe(201);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect((await fetch(`${gateway.url}/admin/deployments`, { headers: { cookie } })).status).toBe(200);
    expect((await admin(`/admin/keys/${adminVirtual.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await fetch(`${gateway.url}/admin/deployments`, { headers: { cookie } })).status).toBe(401);
  });
});

describe("the dashboard in Chromium", () => {
  it("logs in, updates the overview live over SSE, filters requests and opens one, creates and revokes a key, and logs out", async () => {
    const appKey = await createKey({ name: "app", team: "search" });
    const context = await browser.newContext();
    const page = await context.newPage();
    const liveRequests: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/admin/live")) liveRequests.push(request.url());
    });
    await logIn(page, adminKey);
    await expect.poll(() => page.getByRole("heading", { name: "Overview" }).isVisible()).toBe(true);

    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === "gantry_session");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Strict");
    expect(await page.evaluate("document.cookie")).toBe("");

    // Live: the figures move when traffic arrives, over the one SSE stream (no polling).
    await expect.poll(() => page.getByTestId("live-requests").textContent()).toBe("0");
    for (const id of ["dash-e2e-1", "dash-e2e-2", "dash-e2e-3"]) await chat(appKey.key, id);
    await expect.poll(() => page.getByTestId("live-requests").textContent(), { timeout: 10_000 }).toBe("3");
    expect(await page.getByTestId("live-tokens").textContent()).not.toBe("0 / 0");
    expect(liveRequests).toHaveLength(1);

    // Requests: filter by client request id, open the detail view.
    await page.getByRole("link", { name: "Requests" }).click();
    await expect.poll(() => page.getByTestId("request-row").count()).toBeGreaterThanOrEqual(3);
    await page.getByLabel("Client request id").fill("dash-e2e-2");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => page.getByTestId("request-row").count()).toBe(1);
    expect(page.url()).toContain("client_request_id=dash-e2e-2");
    await page.getByRole("link", { name: "dash-e2e-2" }).click();
    await expect.poll(() => page.getByTestId("request-detail").textContent()).toContain("dash-e2e-2");
    expect(await page.locator("pre").first().textContent()).toContain("hello from dash-e2e-2");

    // A reload of a client-side route keeps the session and the page.
    await page.reload();
    await expect.poll(() => page.getByTestId("request-detail").isVisible()).toBe(true);

    // Keys: create (secret shown once), then revoke with a confirmation.
    await page.getByRole("link", { name: "Keys & spend" }).click();
    await page.getByLabel("Name").fill("browser-key");
    await page.getByRole("button", { name: "Create key" }).click();
    await expect.poll(() => page.getByTestId("new-key-secret").textContent()).toMatch(/^gk-/);
    const row = page.getByTestId("key-browser-key");
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByRole("button", { name: "Confirm revoke" }).click();
    await expect.poll(() => row.getByTestId("key-status").textContent()).toBe("revoked");

    await page.getByRole("link", { name: "Models" }).click();
    await expect.poll(() => page.getByTestId("breaker-story/0").textContent()).toBe("closed");

    await page.getByRole("button", { name: "Log out" }).click();
    await expect.poll(() => page.getByLabel("Admin key or admin virtual key").isVisible()).toBe(true);
    expect((await context.cookies()).find((cookie) => cookie.name === "gantry_session")).toBeUndefined();
    await context.close();
  }, 60_000);

  it("shows an SLO and opens its requests, promotes a version with the CSRF token and shows it in the history, and lists, opens and compares eval runs", async () => {
    const created = await admin("/admin/models/story/versions", { method: "POST", body: JSON.stringify({ deployments: [{ provider: "openai-compatible", base_url: upstream.baseUrl, upstream_model: "tiny-2" }] }) });
    expect(created.status).toBe(201);
    const { version } = (await created.json()) as { version: number };
    const [older, newer] = await seedEvalRuns();

    const context = await browser.newContext();
    const page = await context.newPage();
    const promoteHeaders: Record<string, string>[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/admin/models/story/promote")) promoteHeaders.push(request.headers());
    });
    await logIn(page, adminKey);
    await expect.poll(() => page.getByRole("heading", { name: "Overview" }).isVisible()).toBe(true);

    // SLOs: the configured SLO with its budget; a window's events open Requests filtered to the SLO's model and window.
    await page.getByRole("link", { name: "SLOs & alerts" }).click();
    const slo = page.getByTestId("slo-story-availability");
    await expect.poll(() => slo.getByRole("heading").textContent()).toBe("story-availability");
    expect(await slo.getByTestId("budget-remaining").textContent()).toMatch(/%$/);
    await slo.getByRole("link", { name: "Requests of story-availability in the last 1h" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Requests" }).isVisible()).toBe(true);
    const filtered = new URL(page.url()).searchParams;
    expect(filtered.get("model")).toBe("story");
    expect(Number(filtered.get("to")) - Number(filtered.get("from"))).toBe(3_600_000);

    // Registry: promote the new version after a confirmation; the write carries the CSRF token, the history shows it.
    await page.getByRole("link", { name: "Registry" }).click();
    const row = page.getByTestId(`version-${version}`);
    await row.getByRole("button", { name: "Promote" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.getByTestId("prod-version").textContent()).toBe(String(version));
    await expect.poll(() => page.getByTestId("history-row").first().textContent()).toContain("alias.promote");
    expect(promoteHeaders).toHaveLength(1);
    expect(promoteHeaders[0]?.["x-csrf-token"]).toMatch(/\S/);
    const cookie = (await context.cookies()).find((item) => item.name === "gantry_session");
    const forged = await fetch(`${gateway.url}/admin/models/story/rollback`, { method: "POST", headers: { cookie: `gantry_session=${cookie?.value ?? ""}` } });
    expect(forged.status).toBe(403);
    expect((await (await admin("/admin/models")).json()) as unknown).toMatchObject({ data: [{ model: "story", aliases: { prod: version } }] });

    // Evals: the seeded runs with their pass rates, one run's items, and the two side by side.
    await page.getByRole("link", { name: "Evals" }).click();
    await expect.poll(() => page.getByTestId("eval-run").count()).toBe(2);
    expect(await page.getByTestId("pass-rate").allTextContents()).toEqual(["100.0%", "50.0%"]);
    await page.getByRole("link", { name: older.slice(0, 8) }).click();
    await expect.poll(() => page.getByTestId("eval-item").count()).toBe(2);
    expect(await page.getByTestId("eval-item").first().textContent()).toContain("Paris");
    await page.getByRole("link", { name: "All runs" }).click();
    await page.getByLabel(`Pick run ${older} to compare`).check();
    await page.getByLabel(`Pick run ${newer} to compare`).check();
    await page.getByRole("button", { name: "Compare the two picked runs" }).click();
    await expect.poll(() => page.getByTestId("compare-item").count()).toBe(2);
    expect(await page.getByTestId("compare-item").filter({ hasText: "changed" }).count()).toBe(1);
    await context.close();
  }, 60_000);

  it("logs in through the login URL a gateway without an admin key prints, and drops the token from the address bar", async () => {
    const { gateway: quickStart, loginUrl } = await startGatewayReadingLoginUrl(upstreamConfig([upstream.baseUrl], `ui: { dir: "${uiDir}" }`));
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(loginUrl ?? "");
      await expect.poll(() => page.getByRole("heading", { name: "Overview" }).isVisible()).toBe(true);
      expect(page.url()).toBe(`${quickStart.url}/ui/`);
      expect((await context.cookies()).find((cookie) => cookie.name === "gantry_session")?.httpOnly).toBe(true);
      await context.close();
    } finally {
      await quickStart.close();
    }
  }, 30_000);

  it("refuses a key without the admin scope at the login", async () => {
    const plain = await createKey({ name: "reader" });
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, plain.key);
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("permission_denied");
    expect(await context.cookies()).toHaveLength(0);
    await context.close();
  }, 30_000);
});

describe("every page, by keyboard and in both themes", () => {
  it("tabs through the shell with a visible focus, and the theme toggle switches and remembers the dark theme", async () => {
    const context = await browser.newContext({ colorScheme: "light", viewport });
    const page = await context.newPage();
    await logIn(page, adminKey);
    await expect.poll(() => page.getByRole("heading", { name: "Overview" }).isVisible()).toBe(true);
    const focused = (): Promise<string> => page.evaluate<string>("`${document.activeElement?.tagName} ${document.activeElement?.textContent}`");
    const background = (): Promise<string> => page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
    expect(await background()).toBe("rgb(255, 255, 255)");

    await page.keyboard.press("Tab");
    expect(await focused()).toBe("A Skip to content");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("BUTTON Dark theme");
    expect(await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")).toBe("solid");
    await page.keyboard.press("Enter");
    expect(await page.evaluate("document.documentElement.dataset.theme")).toBe("dark");
    expect(await background()).not.toBe("rgb(255, 255, 255)");
    expect(await page.getByRole("button", { name: "Dark theme" }).getAttribute("aria-pressed")).toBe("true");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("BUTTON Log out");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("A Overview");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("A Models");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByRole("heading", { name: "Models" }).isVisible()).toBe(true);

    // The pick outlives a reload; picking again goes back to light.
    await page.reload();
    await expect.poll(() => page.getByRole("heading", { name: "Models" }).isVisible()).toBe(true);
    expect(await background()).not.toBe("rgb(255, 255, 255)");
    await page.getByRole("button", { name: "Dark theme" }).click();
    expect(await background()).toBe("rgb(255, 255, 255)");
    await context.close();
  }, 30_000);

  it("has no serious or critical axe-core violations on any page in either theme, and leaves a screenshot of each", async () => {
    const runs = ((await (await admin("/admin/evals/runs")).json()) as { data: { id: string }[] }).data;
    const request = ((await (await admin("/admin/requests?client_request_id=dash-e2e-2")).json()) as { data: { id: string }[] }).data[0];
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(request).toBeDefined();
    const pages: { name: string; path: string; ready: (page: Page) => Locator }[] = [
      { name: "overview", path: "/", ready: (page) => page.getByTestId("stats-requests") },
      { name: "models", path: "/models", ready: (page) => page.getByTestId("breaker-story/0") },
      { name: "requests", path: "/requests", ready: (page) => page.getByTestId("request-row") },
      { name: "request-detail", path: `/requests/${encodeURIComponent(request?.id ?? "")}`, ready: (page) => page.getByTestId("request-detail") },
      { name: "slos", path: "/slos", ready: (page) => page.getByTestId("budget-remaining") },
      { name: "drift", path: "/drift", ready: (page) => page.getByTestId(/^drift-/).or(page.getByText("No samples in the current window.")) },
      { name: "registry", path: "/registry", ready: (page) => page.getByTestId("history-row") },
      { name: "evals", path: "/evals", ready: (page) => page.getByTestId("eval-run") },
      { name: "eval-compare", path: `/evals?a=${runs[1]?.id ?? ""}&b=${runs[0]?.id ?? ""}`, ready: (page) => page.getByTestId("compare-item") },
      { name: "keys", path: "/keys", ready: (page) => page.getByTestId("key-app") },
    ];
    mkdirSync(screenshotDir, { recursive: true });
    const failures: string[] = [];
    const check = async (page: Page, name: string, theme: string): Promise<void> => {
      // Charts size themselves after the first layout: wait for their drawing before judging or taking the picture.
      for (const chart of await page.locator(".recharts-responsive-container").all()) await chart.locator("svg").first().waitFor();
      const violations = await seriousAxeViolations(page);
      if (violations.length > 0) failures.push(`${name}, ${theme} theme:\n${formatAxeViolations(violations)}`);
      await page.screenshot({ path: join(screenshotDir, `${name}-${theme}.png`) });
    };
    for (const theme of ["light", "dark"] as const) {
      const context = await browser.newContext({ colorScheme: theme, viewport });
      const page = await context.newPage();
      await page.goto(`${gateway.url}/ui/`);
      await page.getByLabel("Admin key or admin virtual key").waitFor();
      await check(page, "login", theme);
      await logIn(page, adminKey);
      await page.getByRole("heading", { name: "Overview" }).waitFor();
      for (const item of pages) {
        await page.goto(`${gateway.url}/ui${item.path}`);
        await item.ready(page).first().waitFor();
        await check(page, item.name, theme);
      }
      await context.close();
    }
    console.log(`dashboard screenshots: ${screenshotDir}`);
    expect(failures, `axe-core found serious or critical violations:\n\n${failures.join("\n\n")}`).toEqual([]);
  }, 180_000);
});

/** Stores two finished runs of one suite as `gantry eval` would: the older passes 1 of 2 items, the newer both. */
async function seedEvalRuns(): Promise<[string, string]> {
  const store = await openEvalStore({ path: databasePath });
  const item = (itemKey: string, pass: boolean, output: string): StoredItem => ({
    itemKey, repeat: 0, pass, score: pass ? 1 : 0, assertions: [{ type: "contains", pass, score: pass ? 1 : 0 }], output,
    latencyMs: 120, promptTokens: 10, completionTokens: 4, costUsd: 0.001, model: "story", modelVersion: "1", deployment: "story#1/0", cached: false,
  });
  const ids: string[] = [];
  for (const [index, secondPasses] of [false, true].entries()) {
    const startedAt = Date.now() - 60_000 + index * 1000;
    const runId = await store.createRun({ suiteName: "capitals", suiteHash: "h1", seed: 1, repeats: 1, itemCount: 2, target: "story", startedAt });
    await store.saveItem(runId, item("france", true, "Paris"), startedAt + 10);
    await store.saveItem(runId, item("peru", secondPasses, secondPasses ? "Lima" : "Cusco"), startedAt + 20);
    await store.finishRun(runId, startedAt + 30);
    ids.push(runId);
  }
  await store.close();
  return [ids[0] ?? "", ids[1] ?? ""];
}
