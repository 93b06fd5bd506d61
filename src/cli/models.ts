import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { createAdminCall } from "./admin-call.js";

const usage = `usage: gantry models list
       gantry models versions NAME
       gantry models create-version NAME --from-file SPEC.(json|yaml) [--alias canary]
       gantry models alias NAME ALIAS VERSION        point ALIAS at VERSION
       gantry models promote NAME VERSION            make VERSION prod (drops the split)
       gantry models rollback NAME                   prod back to the version it held before
       gantry models split NAME --canary PERCENT | --weights prod=90,3=10 | --clear
       gantry models history NAME [--at TIME]        changes, and which version was prod at TIME (ISO-8601)
common: --url URL (default http://127.0.0.1:4000)  --admin-key KEY (or GANTRY_ADMIN_KEY)`;

/** `gantry models`: the model registry (versions, aliases, canaries) through a running gateway's admin API. */
export async function models(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: "string", default: "http://127.0.0.1:4000" },
      "admin-key": { type: "string" },
      "from-file": { type: "string" },
      alias: { type: "string", multiple: true },
      canary: { type: "string" },
      weights: { type: "string" },
      clear: { type: "boolean" },
      at: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [action, name, ...rest] = positionals;
  if (values.help === true || action === undefined) {
    process.stdout.write(`${usage}\n`);
    return values.help === true ? 0 : 2;
  }
  const call = createAdminCall(values.url, values["admin-key"] ?? process.env["GANTRY_ADMIN_KEY"], "gantry models");
  const wrong = (message: string): number => {
    process.stderr.write(`gantry models ${action}: ${message}\n${usage}\n`);
    return 2;
  };
  if (action === "list") return call("GET", "/admin/models");
  if (name === undefined) return wrong("give the model name");
  const model = `/admin/models/${encodeURIComponent(name)}`;
  const version = (text: string | undefined): number | undefined => (text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined);
  switch (action) {
    case "versions":
      return call("GET", `${model}/versions`);
    case "create-version": {
      const file = values["from-file"];
      if (file === undefined) return wrong("--from-file is required");
      // YAML is a superset of JSON: one parser reads either.
      const spec = parseYaml(await readFile(file, "utf8")) as Record<string, unknown>;
      return call("POST", `${model}/versions`, { ...spec, ...(values.alias === undefined ? {} : { aliases: values.alias }) });
    }
    case "alias": {
      const [alias, target] = rest;
      const number = version(target);
      if (alias === undefined || number === undefined) return wrong("give ALIAS and a VERSION number");
      return call("PUT", `${model}/aliases/${encodeURIComponent(alias)}`, { version: number });
    }
    case "promote": {
      const number = version(rest[0]);
      if (number === undefined) return wrong("give a VERSION number");
      return call("POST", `${model}/promote`, { version: number });
    }
    case "rollback":
      return call("POST", `${model}/rollback`);
    case "split": {
      if (values.clear === true) return call("PUT", `${model}/split`, { weights: null });
      if (values.canary !== undefined) return call("PUT", `${model}/split`, { canary_percent: Number(values.canary) });
      if (values.weights === undefined) return wrong("give --canary, --weights or --clear");
      const weights = Object.fromEntries(values.weights.split(",").map((pair) => pair.split("=")).map(([target, weight]) => [target?.trim() ?? "", Number(weight)]));
      return call("PUT", `${model}/split`, { weights });
    }
    case "history":
      return call("GET", `${model}/history${values.at === undefined ? "" : `?at=${encodeURIComponent(values.at)}`}`);
    default:
      process.stderr.write(`gantry models: unknown action "${action}"\n${usage}\n`);
      return 2;
  }
}
