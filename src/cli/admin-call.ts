/** Sends one admin API request and prints its JSON answer (or the error to stderr); resolves to an exit code. */
export type AdminCall = (method: string, path: string, body?: unknown) => Promise<number>;

/** An admin API caller for a CLI command: the admin key (flag or GANTRY_ADMIN_KEY) as a bearer, errors named after `command`. */
export function createAdminCall(url: string, adminKey: string | undefined, command: string): AdminCall {
  const base = url.replace(/\/+$/, "");
  return async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(adminKey === undefined ? {} : { authorization: `Bearer ${adminKey}` }), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) {
      process.stderr.write(`${command}: ${response.status} ${text}\n`);
      return 1;
    }
    process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    return 0;
  };
}
