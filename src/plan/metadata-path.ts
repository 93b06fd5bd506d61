/** The value at a dotted path in nested metadata (`llama.attention.head_count`), or undefined. */
export function metadataPath(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const key of path.split(".")) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A positive number at a path; per-layer arrays (some GGUF architectures vary heads by layer) give their maximum. */
export function metadataNumber(root: unknown, path: string): number | undefined {
  return positiveNumber(metadataPath(root, path));
}

function positiveNumber(value: unknown): number | undefined {
  if (typeof value === "bigint") return positiveNumber(Number(value));
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value : undefined;
  if (Array.isArray(value)) {
    const numbers = value.map(positiveNumber).filter((item): item is number => item !== undefined);
    return numbers.length > 0 ? Math.max(...numbers) : undefined;
  }
  return undefined;
}
