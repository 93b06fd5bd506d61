const placeholder = /\{\{\s*([\w.-]+)\s*\}\}/g;

/** A var's value by dotted path (`item.name`), or undefined. */
function lookup(vars: Readonly<Record<string, unknown>>, path: string): unknown {
  return path.split(".").reduce<unknown>((node, key) => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined), vars);
}

/** Fills `{{name}}` / `{{a.b}}` placeholders; objects are written as JSON. Throws naming a var that is not set. */
export function renderTemplate(template: string, vars: Readonly<Record<string, unknown>>): string {
  return template.replace(placeholder, (_, path: string) => {
    const value = lookup(vars, path);
    if (value === undefined) throw new Error(`{{${path}}} is not set`);
    return typeof value === "string" ? value : JSON.stringify(value);
  });
}
