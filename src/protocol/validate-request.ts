import { z } from "zod";
import { clipClientText } from "../errors/clip-client-text.js";
import { GatewayError } from "../errors/gateway-error.js";
import { formatPath } from "./format-path.js";

/** Validates a parsed body against a request schema; the first problem becomes a 400 naming its `param`. */
export function validateRequest<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  if (first === undefined) throw new GatewayError("invalid_request");
  const issue = deepestBranch(first);
  const param = issue.path.length > 0 ? formatPath(issue.path) : null;
  // Messages can quote the client's input (an unknown key, an enum value): clipped, as in every error and log.
  throw new GatewayError("invalid_request", { message: clipClientText(describeIssue(schema, body, issue, param ?? "body")), param });
}

/** A problem with its full path from the body's root, union branches already chosen. */
interface LocatedIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** The types the field accepts, when the problem is a wrong type. */
  readonly expected?: readonly string[];
}

/**
 * Picks what to report from a union failure: when every branch failed at the field itself, the field's types
 * are the branches' types ("string or array"); otherwise the branch that got furthest into the value.
 */
function deepestBranch(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): LocatedIssue {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_type") return { code: issue.code, path, message: issue.message, expected: [issue.expected] };
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return { code: issue.code, path, message: issue.message };
  const branches = issue.errors.map((errors) => errors[0]).filter((branch) => branch !== undefined);
  const deeper = branches.filter((branch) => branch.path.length > 0 || branch.code === "invalid_union");
  if (deeper.length > 0) {
    const furthest = deeper.map((branch) => deepestBranch(branch, path)).reduce((best, next) => (next.path.length > best.path.length ? next : best));
    return furthest;
  }
  const expected = branches.flatMap((branch) => (branch.code === "invalid_type" ? [branch.expected] : branch.code === "invalid_value" ? [`one of ${branch.values.map((value) => JSON.stringify(value)).join("|")}`] : []));
  return expected.length > 0 ? { code: "invalid_type", path, message: issue.message, expected } : { code: issue.code, path, message: issue.message };
}

function describeIssue(schema: z.ZodType, body: unknown, issue: LocatedIssue, name: string): string {
  // zod 4 does not put the received value on the issue, so it is read back from the body by the issue's path.
  const received = valueAt(body, issue.path);
  if (received === undefined && issue.path.length > 0) return `${name} is required`;
  if (issue.expected === undefined) return `${name}: ${issue.message}`;
  const integer = isIntegerSchema(schemaAt(schema, issue.path));
  const expected = [...new Set(issue.expected.map((type) => (type === "int" || (type === "number" && integer) ? "integer" : type)))];
  return `${name}: expected ${expected.join(" or ")}, got ${typeName(received)}`;
}

/** The schema of the field at `path`, through optional, nullable, default, objects, arrays and records. */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const key of path) {
    if (current instanceof z.ZodObject) current = (current.shape as Record<PropertyKey, z.ZodType | undefined>)[key];
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return undefined;
    if (current === undefined) return undefined;
    current = unwrap(current);
  }
  return current;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
  return current;
}

function isIntegerSchema(schema: z.ZodType | undefined): boolean {
  return schema instanceof z.ZodNumber && schema.isInt === true;
}

/** The JSON type of a received value, as a client reads it: null and array are types of their own. */
function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
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
