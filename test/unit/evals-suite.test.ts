import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSuite, SuiteError } from "../../src/evals/load-suite.js";
import { renderTemplate } from "../../src/evals/render-template.js";

const examples = fileURLToPath(new URL("../../examples/evals/", import.meta.url));

function suiteFile(yaml: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-suite-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "suite.yaml"), yaml);
  return join(dir, "suite.yaml");
}

async function problems(file: string): Promise<string[]> {
  try {
    await loadSuite(file);
  } catch (error) {
    if (error instanceof SuiteError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  return [];
}

describe("suites", () => {
  it("loads every example suite with its dataset", async () => {
    const counts: Record<string, number> = {};
    for (const name of ["kjv-vs-rules", "arithmetic", "json-extraction", "multiple-choice", "refusals"]) counts[name] = (await loadSuite(join(examples, `${name}.suite.yaml`))).items.length;
    expect(counts).toEqual({ "kjv-vs-rules": 10, arithmetic: 12, "json-extraction": 6, "multiple-choice": 8, refusals: 10 });
    const kjv = await loadSuite(join(examples, "kjv-vs-rules.suite.yaml"));
    expect(kjv.targets.map((target) => target.id)).toEqual(["demo", "kjv-rules"]);
    expect(kjv.items[0]).toMatchObject({ key: "gen-1-1", request: { endpoint: "chat", messages: [{ role: "user", content: "In the beginning God created the heaven and the earth." }] } });
    expect(kjv.items[0]?.assertions[0]).toMatchObject({ type: "levenshtein", value: expect.stringContaining("without form"), weight: 2 });
    const choices = await loadSuite(join(examples, "multiple-choice.suite.yaml"));
    expect(choices.items[0]?.assertions).toEqual([{ type: "multiple-choice", value: "B", weight: 1 }]);
  });

  it("keys items stably: the same rows give the same keys and hash, a changed assertion changes the hash only", async () => {
    const yaml = (expected: string): string => `prompts: ["Say {{word}}"]\ntests:\n  - vars: { word: a }\n    assert: [{ type: equals, value: "${expected}" }]\n  - vars: { word: b }\n  - vars: { word: b }\n`;
    const first = await loadSuite(suiteFile(yaml("a")));
    const second = await loadSuite(suiteFile(yaml("a")));
    const changed = await loadSuite(suiteFile(yaml("A")));
    expect(first.items.map((item) => item.key)).toEqual(second.items.map((item) => item.key));
    expect(first.items[2]?.key).toBe(`${first.items[1]?.key ?? ""}#2`);
    expect(first.hash).toBe(second.hash);
    expect(changed.hash).not.toBe(first.hash);
    expect(changed.items.map((item) => item.key)).toEqual(first.items.map((item) => item.key));
  });

  it("reports every problem with its path, in the suite and in dataset rows", async () => {
    const file = suiteFile(
      `prompts: ["Hi {{name}}"]\nprovider: [x]\nrepeat: 0\ntests:\n  - vars: { name: a }\n    assert: [{ type: containz, value: a }, { type: json-path, value: 1 }]\n  - file://rows.jsonl\n`,
      { "rows.jsonl": '{"vars": {"name": "b"}}\n{"vars": {"name": "c"}, "assert": [{"type": "latency"}]}\n' },
    );
    expect(await problems(file)).toEqual([
      "tests[0].assert[0].type: unknown assertion type (see docs/evals.md#scorers)",
      "tests[0].assert[1].path: json-path needs a path",
      "repeat: Too small: expected number to be >=1",
      "provider: unknown key",
    ]);
    const rows = suiteFile(`prompts: ["Hi {{name}}"]\ntests:\n  - file://rows.jsonl\n  - file://broken.jsonl\n  - vars: { other: 1 }\n`, {
      "rows.jsonl": '{"vars": {"name": "b"}}\n{"vars": {"name": "c"}, "assert": [{"type": "latency"}]}\n',
      "broken.jsonl": '{"name": "d"}\nnot json\n',
    });
    const found = await problems(rows);
    expect(found).toHaveLength(3);
    expect(found[0]).toBe("rows.jsonl#2.assert[0].threshold: latency needs a threshold (its limit)");
    expect(found[1]).toMatch(/^file:\/\/broken\.jsonl: .*broken\.jsonl:2: not JSON/);
    expect(found[2]).toBe("tests[2] (prompt0): {{name}} is not set");
  });

  it("renders dotted vars and refuses an unset one", () => {
    expect(renderTemplate("{{ user.name }} is {{age}}", { user: { name: "Ada" }, age: 36 })).toBe("Ada is 36");
    expect(() => renderTemplate("{{missing}}", {})).toThrow("{{missing}} is not set");
  });
});
