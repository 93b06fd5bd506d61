// Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time and self time per package,
// optionally within a time window after the profile started (e.g. the first seconds of a cold start).
// Usage: npx tsx bench/overhead/profile-summary.ts FILE.cpuprofile [--from-ms 0] [--to-ms Infinity] [--top 25] [--callers NAME] [--depth 6]
//        --callers NAME: the commonest call stacks (--depth frames up) of the samples spent in functions named NAME.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { "from-ms": { type: "string", default: "0" }, "to-ms": { type: "string", default: "Infinity" }, top: { type: "string", default: "25" }, callers: { type: "string" }, depth: { type: "string", default: "6" } } });
const file = positionals[0];
if (file === undefined) throw new Error("usage: profile-summary.ts FILE.cpuprofile [--from-ms N] [--to-ms N] [--top N]");
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
const fromUs = Number(values["from-ms"]) * 1000;
const toUs = Number(values["to-ms"]) * 1000;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const selfUs = new Map<number, number>();
let elapsedUs = 0;
let windowUs = 0;
profile.samples.forEach((id, index) => {
  elapsedUs += profile.timeDeltas[index] ?? 0;
  if (elapsedUs < fromUs || elapsedUs > toUs) return;
  const delta = profile.timeDeltas[index + 1] ?? 0;
  windowUs += delta;
  selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
});

/** Where a function comes from: a package, a Node internal, the gateway's own source, or V8 itself. */
function origin(url: string): string {
  if (url === "") return "(v8/native)";
  if (url.startsWith("node:")) return "node:internal";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  const own = /\/(src\/[^/]+)\//.exec(url);
  return own?.[1] ?? url.replace(/^.*\//, "");
}

const functions = new Map<string, number>();
const origins = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)?.callFrame;
  if (frame === undefined) continue;
  const where = origin(frame.url);
  const key = `${frame.functionName || "(anonymous)"}  ${where === "(v8/native)" ? "" : `${frame.url.replace(/^.*\/(node_modules|src)\//, "$1/")}:${frame.lineNumber + 1}`}`;
  functions.set(key, (functions.get(key) ?? 0) + us);
  origins.set(where, (origins.get(where) ?? 0) + us);
}

const top = Number(values.top);
const depth = Number(values.depth);
const share = (us: number): string => `${((us / Math.max(1, windowUs)) * 100).toFixed(1)}%`;
const rows = (map: Map<string, number>): { name: string; "self ms": number; "self %": string }[] =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name: name.slice(0, 110), "self ms": Math.round(us / 1000), "self %": share(us) }));
console.log(`${file}: ${Math.round(windowUs / 1000)} ms sampled in the window ${values["from-ms"]}–${values["to-ms"]} ms (profile length ${Math.round((profile.endTime - profile.startTime) / 1000)} ms)`);
console.table(rows(functions));
console.table(rows(origins));

if (values.callers !== undefined) {
  const stacks = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)?.callFrame.functionName !== values.callers) continue;
    const frames: string[] = [];
    for (let at = parentOf.get(id); at !== undefined && frames.length < depth; at = parentOf.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame !== undefined) frames.push(`${frame.functionName || "(anonymous)"}@${frame.url.replace(/^.*\//, "")}:${frame.lineNumber + 1}`);
    }
    const key = frames.join(" < ");
    stacks.set(key, (stacks.get(key) ?? 0) + us);
  }
  for (const [stack, us] of [...stacks.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${share(us).padStart(6)}  ${stack}`);
}
