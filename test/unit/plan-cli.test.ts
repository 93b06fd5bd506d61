import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const stories260K = fileURLToPath(new URL("../../../shared/models/stories260K.gguf", import.meta.url));

/** Runs the real CLI in a child process, the way a user would. */
function gantry(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "src/cli/gantry.ts", ...args], { cwd: repoRoot }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

// Each case is its own process, so they run side by side.
describe.concurrent("gantry plan", () => {
  it("plans the stories260K GGUF as JSON", async () => {
    const result = await gantry("plan", stories260K, "--gpu", "L4", "--json");
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as { model: { layers: number; vocab_size: number }; kv_cache: { bytes_per_token: number }; gpus: { gpu: string; count: number }[] };
    expect(plan.model).toMatchObject({ layers: 5, vocab_size: 512 });
    expect(plan.kv_cache.bytes_per_token).toBe(640);
    expect(plan.gpus).toMatchObject([{ gpu: "L4", count: 1 }]);
  });

  it("plans a config.json with explicit dtype, context and concurrency as tables", async () => {
    const folder = mkdtempSync(join(tmpdir(), "gantry-plan-"));
    const config = {
      model_type: "llama", hidden_size: 4096, intermediate_size: 14336, max_position_embeddings: 8192, num_attention_heads: 32,
      num_hidden_layers: 32, num_key_value_heads: 8, tie_word_embeddings: false, torch_dtype: "bfloat16", vocab_size: 128256,
    };
    writeFileSync(join(folder, "config.json"), JSON.stringify(config));
    const result = await gantry("plan", folder, "--dtype", "fp16", "--gpu", "h100", "--context", "16k", "--concurrency", "32");
    rmSync(folder, { recursive: true });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("14.96 GiB");
    expect(result.stdout).toContain("128.00 KiB per token");
    expect(result.stdout).toMatch(/H100-SXM\s+2\s/);
  });

  it("takes the shape from flags", async () => {
    const result = await gantry("plan", "--params", "1.5B", "--layers", "28", "--heads", "12", "--kv-heads", "2", "--head-dim", "128", "--vocab", "151936", "--dtype", "fp32", "--json");
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { weights: { gib: number } }).weights.gib.toFixed(2)).toBe("5.59");
  });

  it.each([
    { what: "an unknown flag", args: ["plan", stories260K, "--bogus"], message: /--bogus/ },
    { what: "an unknown dtype", args: ["plan", stories260K, "--dtype", "fp7"], message: /unknown dtype "fp7"/ },
    { what: "a non-numeric context", args: ["plan", stories260K, "--context", "lots"], message: /--context/ },
    { what: "a rate without lengths", args: ["plan", stories260K, "--target-rps", "5"], message: /--avg-input/ },
    { what: "an unknown GPU", args: ["plan", stories260K, "--gpu", "V100"], message: /unknown --gpu "V100"/ },
    { what: "a tp that does not divide the heads", args: ["plan", stories260K, "--tp", "3"], message: /tp 3/ },
    { what: "no model", args: ["plan"], message: /no model/ },
  ])("exits 2 with a clear message on $what", async ({ args, message }) => {
    const result = await gantry(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it("exits 1 when the model file is missing", async () => {
    const result = await gantry("plan", "/nonexistent/model.gguf");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no such file/);
  });
});
