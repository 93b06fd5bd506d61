import { afterAll, describe, expect, it } from "vitest";
import { faultScenarios, faultTable, runFaultScenario, type FaultMode, type FaultResult } from "../helpers/fault-matrix.js";

const results: FaultResult[] = [];
afterAll(() => {
  console.log(`\nFault matrix (two deployments, one faulty, default settings)\n${faultTable(results)}\n`);
});

const modes: readonly FaultMode[] = ["sequential", "concurrent"];
const cases = faultScenarios.flatMap((scenario) => modes.map((mode) => ({ scenario, mode })));

describe("fault matrix with default settings: a healthy deployment keeps every client answered", () => {
  it.each(cases.map((entry) => [entry.scenario.name, entry.mode, entry] as const))("%s, %s", async (_name, _mode, { scenario, mode }) => {
    const result = await runFaultScenario(scenario, mode);
    results.push(result);
    if (scenario.behavior?.kind === "hang") {
      // The first-byte deadline (10 s by default) fired, on the fake clock; one by one, the hang costs one request that.
      expect(result.fakeMs).toBeGreaterThanOrEqual(10_000);
      if (mode === "sequential") expect(result.faultyCalls).toBe(1);
    }
    if (scenario.behavior?.kind !== "reset-mid-stream") {
      expect(result.clientFailures).toBe(0);
      return;
    }
    // Bytes were already sent, so the streams the deployment was carrying when it broke cannot be retried: they end
    // with an SSE error event. Ejection keeps every later request away from it: one by one, only the first fails.
    if (mode === "sequential") expect(result.clientFailures).toBe(1);
    else expect(result.clientFailures).toBe(result.faultyCalls);
    expect(result.faultyCalls).toBeGreaterThanOrEqual(1);
    expect(result.faultyCalls).toBeLessThanOrEqual(mode === "sequential" ? 1 : 25);
  }, 30_000);
});
