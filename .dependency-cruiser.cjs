// The layer check (docs/adr/0006-layers-and-composition-root.md, CONTRIBUTING.md). Folders of src/ from the bottom up: a folder may import
// its own files and folders below it, never one above it, so folder-level cycles cannot form either.
const layers = [
  ["errors"],
  ["protocol", "store"],
  ["pipeline"],
  ["models"],
  ["engine"],
  ["providers"],
  ["routing"],
  ["plan", "bench"],
  ["drills"],
  ["accounting"],
  ["guardrails"],
  ["limits"],
  ["cache"],
  ["auth"],
  ["telemetry"],
  ["slo", "drift"],
  ["alerts"],
  ["evals"],
  ["registry"],
  ["batch", "data"],
  ["config"],
  ["http", "app.ts"],
  ["compose", "main.ts"],
  ["cli"],
];

const pathOf = (name) => (name.endsWith(".ts") ? `^src/${name.replace(".", "\\.")}$` : `^src/${name}/`);
const above = (index) => layers.slice(index + 1).flat().map(pathOf);

module.exports = {
  forbidden: [
    ...layers.flatMap((names, index) =>
      index === layers.length - 1
        ? []
        : names.map((name) => ({
            name: `no-upward-from-${name.replace(".ts", "")}`,
            comment: `src/${name} sits below ${layers.slice(index + 1).flat().join(", ")} and may not import them`,
            severity: "error",
            from: { path: pathOf(name) },
            to: { path: above(index) },
          })),
    ),
    {
      name: "no-same-layer-sideways",
      comment: "folders that share a layer stay independent of each other",
      severity: "error",
      from: { path: "^src/(protocol|store)/" },
      to: { path: "^src/(protocol|store)/", pathNot: "^src/$1/" },
    },
    {
      name: "no-circular",
      comment: "modules may not import each other in a cycle",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "no-unlayered-folder",
      comment: "every folder of src/ belongs to a layer: add a new one to the list above",
      severity: "error",
      from: { path: "^src/", pathNot: layers.flat().map(pathOf) },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "\\.test\\.ts$|\\.d\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
