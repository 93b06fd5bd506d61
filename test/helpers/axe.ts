import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AxeResults, Result } from "axe-core";
import type { Page } from "playwright-core";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * Runs axe-core over the whole page and returns its serious and critical violations. The script is evaluated over
 * the DevTools protocol, so the page's Content-Security-Policy (scripts from the gateway only) stays as it is.
 */
export async function seriousAxeViolations(page: Page): Promise<Result[]> {
  if (!(await page.evaluate("typeof window.axe === 'object'"))) await page.evaluate(axeSource);
  const results = (await page.evaluate("window.axe.run(document, { resultTypes: ['violations'] })")) as AxeResults;
  return results.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
}

/** One line per violation and one per offending element, for a failing assertion's message. */
export function formatAxeViolations(violations: readonly Result[]): string {
  return violations
    .map((violation) => [`${violation.id} (${violation.impact ?? "?"}): ${violation.help} ${violation.helpUrl}`, ...violation.nodes.map((node) => `  ${node.target.join(" ")}: ${(node.failureSummary ?? "").replaceAll("\n", " ")}`)].join("\n"))
    .join("\n");
}
