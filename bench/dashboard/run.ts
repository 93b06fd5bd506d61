// The dashboard at scale, measured in the browser: 1,000,000 logged requests and their per-minute rollups seeded
// (bench/lib/seed-requests.ts) into SQLite or PostgreSQL, a gateway process on that database, and Debian's Chromium
// (playwright-core, never a downloaded browser) timing from navigation start, or from the filter click, to the
// frame after the rows or figures appear: the Requests page's first page (target < 500 ms), the same page filtered by
// model, and the Overview for 24 h (target < 1 s).
// Usage: npx tsx bench/dashboard/run.ts [--store sqlite|postgres] [--rows 1000000] [--hours 23] [--runs 7]
//        [--gateway source|dist] [--out FILE] [--fail-over FACTOR]
// --fail-over exits 1 when a median passes FACTOR × its target (CI runs it with slack; without it, it only reports).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium, type Page } from "playwright-core";
import { createPostgresExecutor } from "../../src/store/postgres-executor.js";
import { createSqliteExecutor } from "../../src/store/sqlite-executor.js";
import { startPostgres, type PostgresServer } from "../../test/helpers/postgres-server.js";
import { buildWeb } from "../../tools/build-web.js";
import { gantryEntry, startProcess, stopProcess } from "../lib/processes.js";
import { seedRequests } from "../lib/seed-requests.js";
import { percentile } from "../lib/stats.js";

const { values } = parseArgs({
  options: {
    store: { type: "string", default: "sqlite" },
    rows: { type: "string", default: "1000000" },
    hours: { type: "string", default: "23" },
    runs: { type: "string", default: "7" },
    gateway: { type: "string", default: "source" },
    out: { type: "string" },
    "fail-over": { type: "string" },
  },
});
if (values.store !== "sqlite" && values.store !== "postgres") throw new Error("--store is sqlite or postgres");
const store = values.store;
const rowCount = Number(values.rows);
const spanMs = Number(values.hours) * 3600 * 1000;
const runs = Number(values.runs);
const out = values.out ?? `bench/dashboard/results-${store}.json`;
const root = new URL("../..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "gantry-dashboard-bench-"));
const adminKey = "dashboard-bench-admin-key-0123456789";

let postgres: PostgresServer | undefined;
let gateway: Awaited<ReturnType<typeof startProcess>> | undefined;
let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
try {
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  postgres = store === "postgres" ? await startPostgres() : undefined;
  const database = postgres === undefined ? `{ path: "${join(work, "gantry.db")}" }` : `{ url: "${postgres.url}" }`;
  const executor = postgres === undefined ? createSqliteExecutor(join(work, "gantry.db")) : createPostgresExecutor(postgres.url);
  console.log(`Seeding ${rowCount} requests over ${spanMs / 3_600_000} h into ${store}…`);
  const seeded = await seedRequests(executor, { rows: rowCount, spanMs, end });
  console.log(`Seeded in ${seeded.seedSeconds} s (${seeded.rollupRows.series} series and ${seeded.rollupRows.byModel} model-level rollup rows).`);

  const uiDir = join(work, "ui");
  await buildWeb(uiDir);
  const config = join(work, "gantry.yaml");
  // The model is never called: only the admin API and the static files are measured.
  writeFileSync(
    config,
    `server: { port: 0 }\nlogging: { level: info }\nauth: { mode: keys, admin_key: "${adminKey}" }\nui: { dir: "${uiDir}" }\ndatabase: ${database}\n` +
      `models:\n  - name: gpt-large\n    deployments:\n      - { provider: openai-compatible, base_url: "http://127.0.0.1:9/v1", upstream_model: none }\n`,
  );
  gateway = await startProcess("node", [...gantryEntry(values.gateway, root), "serve", "--config", config], /"url":"(http:[^"]+)"/, { logFile: join(work, "gateway.log") });
  const url = gateway.match;

  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // In the page, before its scripts: the time of the frame after each watched element first appears, and of the
  // frame after the request table stops being busy following a click.
  await context.addInitScript(`(() => {
    const seen = (window.__seen = {});
    let clickAt;
    let busySinceClick = false;
    document.addEventListener("click", () => { clickAt = performance.now(); busySinceClick = false; delete seen.filtered; }, true);
    const frame = (name) => requestAnimationFrame(() => { seen[name] = performance.now(); });
    new MutationObserver(() => {
      for (const id of ["request-row", "stats-requests"]) if (!(id in seen) && document.querySelector('[data-testid="' + id + '"]')) { seen[id] = -1; frame(id); }
      const table = document.querySelector("table[aria-busy]");
      // The first frames after the click still show the old rows: count from the fetch's busy state ending.
      if (table && table.getAttribute("aria-busy") === "true") busySinceClick = true;
      if (clickAt !== undefined && busySinceClick && table && table.getAttribute("aria-busy") === "false" && !("filtered" in seen)) { seen.filtered = -1; const from = clickAt; requestAnimationFrame(() => { seen.filtered = performance.now() - from; }); }
    }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-busy"] });
  })()`);
  const page = await context.newPage();
  await page.goto(`${url}/ui/`);
  await page.getByLabel("Admin key or admin virtual key").fill(adminKey);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByTestId("stats-requests").waitFor();

  const seenAt = async (target: Page, name: string): Promise<number> => {
    // A function, not a string: the page's CSP forbids eval.
    await target.waitForFunction((watched) => ((globalThis as unknown as { __seen: Record<string, number> }).__seen[watched] ?? -1) >= 0, name, { timeout: 60_000 });
    return Number(await target.evaluate(`window.__seen["${name}"]`));
  };
  /** The admin API call's own time and when it started after navigation, from the browser's resource timing. */
  const apiTiming = async (target: Page, path: string): Promise<{ ms: number; startMs: number }> =>
    (await target.evaluate(`(() => { const entry = performance.getEntriesByType("resource").filter((item) => new URL(item.name).pathname === "${path}").at(-1); return { ms: entry ? entry.responseEnd - entry.startTime : NaN, startMs: entry ? entry.startTime : NaN }; })()`)) as { ms: number; startMs: number };
  const sample = () => ({ pageMs: [] as number[], apiMs: [] as number[], apiStartMs: [] as number[] });
  const requestsFirstPage = sample();
  const requestsFiltered = sample();
  const overview24h = sample();
  const record = (into: ReturnType<typeof sample>, pageMs: number, api: { ms: number; startMs: number }): void => {
    into.pageMs.push(pageMs);
    into.apiMs.push(api.ms);
    into.apiStartMs.push(api.startMs);
  };
  // Run 0 warms up (the store's read worker, the page cache, the browser's cached assets) and is not counted.
  for (let run = 0; run <= runs; run++) {
    await page.goto(`${url}/ui/requests`);
    const first = await seenAt(page, "request-row");
    const firstApi = await apiTiming(page, "/admin/requests");
    await page.getByLabel("Model").fill("llama-8b");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const filtered = await seenAt(page, "filtered");
    const filteredApi = await apiTiming(page, "/admin/requests");
    await page.goto(`${url}/ui/?range=86400`);
    const overview = await seenAt(page, "stats-requests");
    const overviewApi = await apiTiming(page, "/admin/stats");
    const requests = await page.getByTestId("stats-requests").textContent();
    if (run === 0) {
      console.log(`Warm-up: Overview 24 h shows ${requests} requests.`);
      continue;
    }
    record(requestsFirstPage, first, firstApi);
    record(requestsFiltered, filtered, filteredApi);
    record(overview24h, overview, overviewApi);
  }

  const summary = (sample: number[], targetMs: number | null) => {
    const sorted = [...sample].sort((a, b) => a - b);
    const median = round(percentile(sorted, 0.5));
    return { medianMs: median, p95Ms: round(percentile(sorted, 0.95)), timesMs: sample.map(round), targetMs, withinTarget: targetMs === null ? null : median < targetMs };
  };
  const summarize = (measured: ReturnType<typeof sample>, targetMs: number | null) => ({ page: summary(measured.pageMs, targetMs), api: summary(measured.apiMs, null), apiStart: summary(measured.apiStartMs, null) });
  const results = {
    "requests, first page": summarize(requestsFirstPage, 500),
    "requests, filtered by model (click to rows)": summarize(requestsFiltered, null),
    "overview, 24 h": summarize(overview24h, 1000),
  };
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version, chromium: browser.version() },
    store,
    seededRows: rowCount,
    spanHours: spanMs / 3_600_000,
    rollupRows: seeded.rollupRows,
    seedSeconds: seeded.seedSeconds,
    runs,
    results,
  };
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`The dashboard over ${rowCount} logged requests in ${store}, ${runs} runs, measured in Chromium (page: navigation or click to the frame with the data; api: the admin call's resource timing; api start: when the page sent it, ms after navigation start):`);
  console.table(
    Object.entries(results).map(([name, { page, api, apiStart }]) => ({ measurement: name, "page median": page.medianMs, "page p95": page.p95Ms, "api start": apiStart.medianMs, "api median": api.medianMs, "api p95": api.p95Ms, target: page.targetMs ?? "–", met: page.withinTarget ?? "–" })),
  );
  console.log(`Saved ${out}`);
  const factor = values["fail-over"] === undefined ? undefined : Number(values["fail-over"]);
  const missed = factor === undefined ? [] : Object.entries(results).filter(([, { page }]) => page.targetMs !== null && page.medianMs > page.targetMs * factor);
  if (missed.length > 0) {
    console.error(`Over ${factor} × target: ${missed.map(([name]) => name).join(", ")}`);
    process.exitCode = 1;
  }
} finally {
  await browser?.close();
  if (gateway !== undefined) await stopProcess(gateway.child);
  await postgres?.stop();
  rmSync(work, { recursive: true, force: true });
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
