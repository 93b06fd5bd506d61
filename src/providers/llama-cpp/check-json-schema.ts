import { GatewayError } from "../../errors/gateway-error.js";

const types = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
const maxDepth = 32;

/**
 * Rejects schema shapes node-llama-cpp would quietly turn into something else (an unknown `type` becomes
 * `null`, a non-object `properties` becomes `{}`), so a client's typo is a 400, not a surprising answer.
 */
export function checkJsonSchema(schema: unknown, path = "response_format.json_schema.schema", depth = 0): void {
  const fail = (message: string): never => {
    throw new GatewayError("invalid_request", { message: `${path}: ${message}`, param: "response_format.json_schema.schema" });
  };
  if (depth > maxDepth) fail("is nested too deeply");
  if (schema === true || schema === false) return;
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return void fail("must be an object");
  const node = schema as Record<string, unknown>;
  const type = node["type"];
  if (type !== undefined) {
    const listed = Array.isArray(type) ? type : [type];
    for (const item of listed) if (typeof item !== "string" || !types.has(item)) fail(`unknown type ${JSON.stringify(item)}`);
  }
  if (node["enum"] !== undefined && !Array.isArray(node["enum"])) fail("enum must be an array");
  for (const key of ["properties", "$defs", "definitions"]) {
    const children = node[key];
    if (children === undefined) continue;
    if (children === null || typeof children !== "object" || Array.isArray(children)) fail(`${key} must be an object`);
    for (const [name, child] of Object.entries(children as Record<string, unknown>)) checkJsonSchema(child, `${path}.${key}.${name}`, depth + 1);
  }
  for (const key of ["items", "additionalProperties"]) {
    const child = node[key];
    if (child !== undefined && child !== true && child !== false) checkJsonSchema(child, `${path}.${key}`, depth + 1);
  }
  for (const key of ["oneOf", "anyOf", "allOf", "prefixItems"]) {
    const list = node[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) fail(`${key} must be an array`);
    (list as unknown[]).forEach((child, index) => checkJsonSchema(child, `${path}.${key}[${index}]`, depth + 1));
  }
  if (node["required"] !== undefined && (!Array.isArray(node["required"]) || node["required"].some((item) => typeof item !== "string"))) fail("required must be an array of names");
}
