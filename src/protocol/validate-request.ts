import type { z } from "zod";
import { clipClientText } from "../errors/clip-client-text.js";
import { GatewayError } from "../errors/gateway-error.js";
import { formatPath } from "./format-path.js";

/** Validates a parsed body against a request schema; the first problem becomes a 400 naming its `param`. */
export function validateRequest<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new GatewayError("invalid_request");
  const param = issue.path.length > 0 ? formatPath(issue.path) : null;
  const missing = valueAt(body, issue.path) === undefined;
  // Messages can quote the client's input (an unknown key, an enum value): clipped, as in every error and log.
  const message = clipClientText(missing ? `${param ?? "body"} is required` : `${param ?? "body"}: ${issue.message}`);
  throw new GatewayError("invalid_request", { message, param });
}

/** The value at a zod issue's path, or undefined where the path leaves the body. */
function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value = body;
  for (const key of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
