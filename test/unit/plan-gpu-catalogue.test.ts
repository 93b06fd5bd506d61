import { describe, expect, it } from "vitest";
import { loadGpuCatalogue, parseGpuCatalogue } from "../../src/plan/gpu-catalogue.js";

describe("built-in GPU catalogue", () => {
  const catalogue = loadGpuCatalogue();

  it.each(["L4", "A10G", "A100-40GB", "A100-80GB", "H100-SXM", "H100-PCIe", "H200", "L40S", "RTX-4090", "MI300X"])("lists %s with memory, bandwidth, FLOPS and an on-demand price", (id) => {
    const gpu = catalogue.find(id);
    expect(gpu?.id).toBe(id);
    expect(gpu?.memory_gib).toBeGreaterThan(20);
    expect(gpu?.bandwidth_gb_s).toBeGreaterThan(200);
    expect(gpu?.fp16_tflops).toBeGreaterThan(50);
    expect(gpu?.price_per_hour.on_demand).toBeGreaterThan(0);
  });

  it("finds GPUs by alias, ignoring case and punctuation", () => {
    expect(catalogue.find("h100")?.id).toBe("H100-SXM");
    expect(catalogue.find("H100 80GB PCIe")?.id).toBe("H100-PCIe");
    expect(catalogue.find("rtx4090")?.id).toBe("RTX-4090");
    expect(catalogue.find("V100")).toBeUndefined();
  });
});

describe("parseGpuCatalogue", () => {
  const gpu = "{ id: X1, name: X, memory_gib: 10, bandwidth_gb_s: 100, fp16_tflops: 10, price_per_hour: { on_demand: 1 } }";

  it("accepts a minimal catalogue", () => {
    expect(parseGpuCatalogue(`gpus: [${gpu}]`).gpus).toHaveLength(1);
  });

  it("reports every problem with its path", () => {
    const text = "gpus:\n  - { id: X, name: X, memory_gib: -1, bandwidth_gb_s: 1, fp16_tflops: 1, price_per_hour: {}, colour: red }";
    expect(() => parseGpuCatalogue(text, "mine.yaml")).toThrow(/mine\.yaml[\s\S]*gpus\.0\.memory_gib[\s\S]*colour/);
  });

  it("rejects a name that two GPUs claim", () => {
    expect(() => parseGpuCatalogue(`gpus: [${gpu}, ${gpu}]`)).toThrow(/names both X1 and X1/);
  });

  it("reports YAML syntax errors", () => {
    expect(() => parseGpuCatalogue("gpus: [", "broken.yaml")).toThrow(/broken\.yaml/);
  });
});
