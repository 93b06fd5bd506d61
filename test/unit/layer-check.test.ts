import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

/** Runs the project's layer check (the same config as `npm run deps`) over a scratch tree of files. */
async function layerViolations(files: Readonly<Record<string, string>>): Promise<Violation[]> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-layers-"));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const cli = join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
  const { stdout } = await run(process.execPath, [cli, "src", "--config", join(root, ".dependency-cruiser.cjs"), "--output-type", "json"], { cwd: dir }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe("the layer check", () => {
  it("fails on an upward import from the core into http/", async () => {
    const violations = await layerViolations({
      "src/http/send.ts": "export const send = 1;\n",
      "src/pipeline/answer.ts": 'import { send } from "../http/send.js";\nexport const answer = send;\n',
    });
    expect(violations.map((violation) => [violation.rule.name, violation.from, violation.to])).toEqual([["no-upward-from-pipeline", "src/pipeline/answer.ts", "src/http/send.ts"]]);
  });

  it("fails on a feature importing a feature above it, and on a cycle", async () => {
    const violations = await layerViolations({
      "src/limits/limits-stage.ts": 'import { logger } from "../telemetry/logger.js";\nexport const limits = logger;\n',
      "src/telemetry/logger.ts": "export const logger = 1;\n",
      "src/errors/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "src/errors/b.ts": 'import { a } from "./a.js";\nexport const b = () => a;\n',
    });
    const names = violations.map((violation) => violation.rule.name).sort();
    // A cycle is reported once, at the module where the cruise first closes it.
    expect(names).toEqual(["no-circular", "no-upward-from-limits"]);
  });

  it("fails on a folder that no layer names, and passes a downward import", async () => {
    const violations = await layerViolations({
      "src/gadgets/thing.ts": 'import { code } from "../errors/codes.js";\nexport const thing = code;\n',
      "src/errors/codes.ts": "export const code = 1;\n",
      "src/cache/stage.ts": 'import { code } from "../errors/codes.js";\nexport const stage = code;\n',
    });
    expect(violations.map((violation) => [violation.rule.name, violation.from])).toEqual([["no-unlayered-folder", "src/gadgets/thing.ts"]]);
  });
});
