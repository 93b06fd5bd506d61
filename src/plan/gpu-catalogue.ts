import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { z } from "zod";

/** Billing modes a catalogue may price. */
export const billingModes = ["on_demand", "reserved", "spot"] as const;
export type BillingMode = (typeof billingModes)[number];

const gpuSchema = z.strictObject({
  id: z.string().min(1),
  aliases: z.array(z.string().min(1)).optional(),
  name: z.string().min(1),
  memory_gib: z.number().positive(),
  bandwidth_gb_s: z.number().positive(),
  fp16_tflops: z.number().positive(),
  price_per_hour: z.strictObject({
    on_demand: z.number().nonnegative().optional(),
    reserved: z.number().nonnegative().optional(),
    spot: z.number().nonnegative().optional(),
  }),
});

const catalogueSchema = z.strictObject({ gpus: z.array(gpuSchema).min(1) });

/** One GPU model of the catalogue, with the units spelled in its field names. */
export type GpuSpec = z.infer<typeof gpuSchema>;

/** A validated, searchable GPU catalogue. */
export interface GpuCatalogue {
  readonly source: string;
  readonly gpus: readonly GpuSpec[];
  /** The GPU whose id or alias matches, ignoring case and punctuation ("h100 sxm" finds H100-SXM). */
  find(name: string): GpuSpec | undefined;
}

/** Parses and validates catalogue YAML; throws one error listing every problem. */
export function parseGpuCatalogue(text: string, source = "(inline)"): GpuCatalogue {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) throw new Error(`${source}: ${document.errors.map((error) => error.message.split("\n")[0]).join("; ")}`);
  const result = catalogueSchema.safeParse(document.toJS());
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new Error(`invalid GPU catalogue ${source}:\n  - ${problems.join("\n  - ")}`);
  }
  const gpus = result.data.gpus;
  const seen = new Map<string, string>();
  for (const gpu of gpus) {
    for (const key of [gpu.id, ...(gpu.aliases ?? [])].map(normalise)) {
      const owner = seen.get(key);
      if (owner !== undefined) throw new Error(`invalid GPU catalogue ${source}: "${key}" names both ${owner} and ${gpu.id}`);
      seen.set(key, gpu.id);
    }
  }
  return createGpuCatalogue(source, gpus);
}

/** Wraps validated GPU specs into a catalogue. */
export function createGpuCatalogue(source: string, gpus: readonly GpuSpec[]): GpuCatalogue {
  return {
    source,
    gpus,
    find: (name) => gpus.find((gpu) => [gpu.id, ...(gpu.aliases ?? [])].some((key) => normalise(key) === normalise(name))),
  };
}

/** Loads a catalogue file, or the one shipped next to this module when no file is given. */
export function loadGpuCatalogue(file?: string): GpuCatalogue {
  const path = file ?? builtInCataloguePath();
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read GPU catalogue: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseGpuCatalogue(text, path);
}

/** Where the built-in catalogue lives: beside this module, or in src/plan when running from a tsc build in dist/. */
export function builtInCataloguePath(): string {
  const beside = fileURLToPath(new URL("./gpu-catalogue.yaml", import.meta.url));
  if (existsSync(beside)) return beside;
  const source = fileURLToPath(new URL("../../../src/plan/gpu-catalogue.yaml", import.meta.url));
  return existsSync(source) ? source : beside;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}
