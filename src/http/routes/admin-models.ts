import { z } from "zod";
import { GatewayError } from "../../errors/gateway-error.js";
import { validateRequest } from "../../protocol/validate-request.js";
import type { ModelRegistryService, VersionView } from "../../registry/model-registry-service.js";
import { versionSpecSchema } from "../../registry/version-spec.js";
import type { RequestContext } from "../../pipeline/request-context.js";
import { readJsonBody } from "../read-json-body.js";
import type { MethodHandlers } from "../route-table.js";
import { sendJson } from "../send.js";
import { actorOf } from "./admin-keys.js";

const bodyLimitBytes = 256 * 1024;

/** Alias names are words, never numbers, so a pin or split target is never ambiguous between the two. */
const aliasName = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, "alias names start with a letter and use a-z 0-9 _ -");
const versionNumber = z.number().int().positive();

const createVersionSchema = versionSpecSchema.extend({ aliases: z.array(aliasName).max(16).default([]) });
const aliasSchema = z.strictObject({ version: versionNumber });
const promoteSchema = z.strictObject({ version: versionNumber });
const splitSchema = z.union([
  z.strictObject({ canary_percent: z.number().min(0).max(100) }),
  z.strictObject({ weights: z.record(z.string().regex(/^([a-z][a-z0-9_-]{0,63}|[1-9]\d{0,8})$/, "an alias or a version number"), z.number().min(0).max(1_000_000)).nullable() }),
]);

/** The admin API of the model registry (docs/registry.md): versions, aliases, splits, promote, rollback, history. */
export function createAdminModelRoutes(registry: ModelRegistryService): Map<string, MethodHandlers> {
  const name = (context: RequestContext): string => context.params["name"] ?? "";
  return new Map<string, MethodHandlers>([
    ["/admin/models", { GET: (context) => sendJson(context.response, 200, { object: "list", data: registry.list() }) }],
    [
      "/admin/models/:name/versions",
      {
        GET: async (context) => sendJson(context.response, 200, { object: "list", data: (await registry.versions(name(context))).map(redacted) }),
        POST: async (context) => {
          const { aliases, ...spec } = validateRequest(createVersionSchema, await readJsonBody(context.request, bodyLimitBytes));
          const version = await registry.createVersion(name(context), spec, actorOf(context), aliases);
          sendJson(context.response, 201, { model: name(context), version, aliases });
        },
      },
    ],
    [
      "/admin/models/:name/aliases/:alias",
      {
        PUT: async (context) => {
          const alias = validateRequest(aliasName, context.params["alias"]);
          const body = validateRequest(aliasSchema, await readJsonBody(context.request, bodyLimitBytes));
          sendJson(context.response, 200, { model: name(context), alias, ...(await registry.setAlias(name(context), alias, body.version, actorOf(context))) });
        },
        DELETE: async (context) => {
          const alias = validateRequest(aliasName, context.params["alias"]);
          sendJson(context.response, 200, { model: name(context), alias, ...(await registry.setAlias(name(context), alias, null, actorOf(context))) });
        },
      },
    ],
    [
      "/admin/models/:name/promote",
      {
        POST: async (context) => {
          const body = validateRequest(promoteSchema, await readJsonBody(context.request, bodyLimitBytes));
          sendJson(context.response, 200, { model: name(context), alias: "prod", ...(await registry.promote(name(context), body.version, actorOf(context))) });
        },
      },
    ],
    ["/admin/models/:name/rollback", { POST: async (context) => sendJson(context.response, 200, { model: name(context), alias: "prod", ...(await registry.rollback(name(context), actorOf(context))) }) }],
    [
      "/admin/models/:name/split",
      {
        PUT: async (context) => {
          const body = validateRequest(splitSchema, await readJsonBody(context.request, bodyLimitBytes));
          const weights = "canary_percent" in body ? { canary: body.canary_percent, prod: 100 - body.canary_percent } : body.weights;
          sendJson(context.response, 200, { model: name(context), ...(await registry.setSplit(name(context), weights, actorOf(context))) });
        },
      },
    ],
    [
      "/admin/models/:name/history",
      {
        GET: async (context) => {
          const at = new URL(context.request.url ?? "/", "http://gateway").searchParams.get("at");
          const history = await registry.history(name(context), at === null ? undefined : parseTime(at));
          sendJson(context.response, 200, { model: name(context), ...(at === null ? {} : { at: new Date(parseTime(at)).toISOString() }), ...history });
        },
      },
    ],
  ]);
}

/** `at` as ISO-8601 or epoch milliseconds. */
function parseTime(value: string): number {
  const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(time)) throw new GatewayError("invalid_request", { message: "at must be an ISO-8601 time or epoch milliseconds.", param: "at" });
  return time;
}

/** Deployment secrets never leave the gateway through the admin API. */
function redacted(view: VersionView): VersionView {
  const deployments = view.spec.deployments.map((deployment) =>
    deployment.provider !== "openai-compatible"
      ? deployment
      : {
          ...deployment,
          ...(deployment.api_key === undefined ? {} : { api_key: "[redacted]" }),
          ...(deployment.headers === undefined ? {} : { headers: Object.fromEntries(Object.keys(deployment.headers).map((header) => [header, "[redacted]"])) }),
        },
  );
  return { ...view, spec: { ...view.spec, deployments } };
}
