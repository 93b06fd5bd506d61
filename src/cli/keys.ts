import { parseArgs } from "node:util";
import { createAdminCall } from "./admin-call.js";

const usage = `usage: gantry keys create --name NAME [--team T] [--models a,b*] [--endpoints chat,completions,embeddings]
                         [--rpm N] [--tpm N] [--max-concurrency N] [--max-tokens N]
                         [--daily-usd X] [--monthly-usd X] [--expires-at ISO-8601]
       gantry keys list
       gantry keys get ID
       gantry keys revoke ID
common: --url URL (default http://127.0.0.1:4000)  --admin-key KEY (or GANTRY_ADMIN_KEY)`;

/** `gantry keys`: manages virtual API keys through a running gateway's admin API. */
export async function keys(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: "string", default: "http://127.0.0.1:4000" },
      "admin-key": { type: "string" },
      name: { type: "string" },
      team: { type: "string" },
      models: { type: "string" },
      endpoints: { type: "string" },
      rpm: { type: "string" },
      tpm: { type: "string" },
      "max-concurrency": { type: "string" },
      "max-tokens": { type: "string" },
      "daily-usd": { type: "string" },
      "monthly-usd": { type: "string" },
      "expires-at": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [action, id] = positionals;
  if (values.help === true || action === undefined) {
    process.stdout.write(`${usage}\n`);
    return values.help === true ? 0 : 2;
  }
  const call = createAdminCall(values.url, values["admin-key"] ?? process.env["GANTRY_ADMIN_KEY"], "gantry keys");
  switch (action) {
    case "create": {
      if (values.name === undefined) {
        process.stderr.write(`gantry keys create: --name is required\n${usage}\n`);
        return 2;
      }
      const number = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));
      const list = (value: string | undefined): string[] | undefined => value?.split(",").map((item) => item.trim()).filter((item) => item !== "");
      const budget = { daily_usd: number(values["daily-usd"]), monthly_usd: number(values["monthly-usd"]) };
      const body = {
        name: values.name,
        team: values.team,
        models: list(values.models),
        endpoints: list(values.endpoints),
        rpm: number(values.rpm),
        tpm: number(values.tpm),
        max_concurrency: number(values["max-concurrency"]),
        max_tokens: number(values["max-tokens"]),
        budget: budget.daily_usd === undefined && budget.monthly_usd === undefined ? undefined : budget,
        expires_at: values["expires-at"],
      };
      const code = await call("POST", "/admin/keys", body);
      if (code === 0) process.stderr.write("Store the key now: it is shown only once.\n");
      return code;
    }
    case "list":
      return call("GET", "/admin/keys");
    case "get":
    case "revoke":
      if (id === undefined) {
        process.stderr.write(`gantry keys ${action}: give the key id\n`);
        return 2;
      }
      return call(action === "get" ? "GET" : "DELETE", `/admin/keys/${encodeURIComponent(id)}`);
    default:
      process.stderr.write(`gantry keys: unknown action "${action}"\n${usage}\n`);
      return 2;
  }
}
