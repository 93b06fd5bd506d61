import type { z } from "zod";
import { GatewayError } from "../errors/gateway-error.js";
import { formatPath } from "./format-path.js";

/** Validates a parsed body against a request schema; the first problem becomes a 400 naming its `param`. */
export function validateRequest<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new GatewayError("invalid_request");
  const param = issue.path.length > 0 ? formatPath(issue.path) : null;
  const message = issue.code === "invalid_type" && issue.input === undefined ? `${param ?? "body"} is required` : `${param ?? "body"}: ${issue.message}`;
  throw new GatewayError("invalid_request", { message, param });
}
