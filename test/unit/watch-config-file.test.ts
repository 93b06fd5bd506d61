import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { watchConfigFile } from "../../src/config/watch-config-file.js";

describe("watchConfigFile", () => {
  it("reports a burst of writes once, a rename over the file too, and nothing for other files", async () => {
    const directory = mkdtempSync(join(tmpdir(), "gantry-watch-"));
    const file = join(directory, "gantry.yaml");
    writeFileSync(file, "a: 1\n");
    let changes = 0;
    const watch = watchConfigFile(file, () => changes++, { debounceMs: 50 });
    try {
      for (let index = 0; index < 5; index++) writeFileSync(file, `a: ${index}\n`);
      await expect.poll(() => changes, { timeout: 5000 }).toBe(1);
      // Editors and ConfigMap updates replace the file: the watch must survive it.
      writeFileSync(join(directory, "gantry.yaml.tmp"), "a: 9\n");
      renameSync(join(directory, "gantry.yaml.tmp"), file);
      await expect.poll(() => changes, { timeout: 5000 }).toBe(2);
      writeFileSync(file, "a: 10\n");
      await expect.poll(() => changes, { timeout: 5000 }).toBe(3);
      writeFileSync(join(directory, "other.yaml"), "b: 1\n");
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(changes).toBe(3);
    } finally {
      watch.close();
    }
  });
});
