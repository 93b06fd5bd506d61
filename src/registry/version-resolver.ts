import type { KeyScope } from "../auth/key-policy.js";
import { GatewayError } from "../errors/gateway-error.js";
import { clipClientText } from "../errors/clip-client-text.js";
import type { RequestContext } from "../pipeline/request-context.js";
import type { ModelVersionChoice, ModelVersionResolver } from "../routing/model-version-resolver.js";
import type { RegistrySnapshot } from "./registry-snapshot.js";
import { stickySubject } from "./sticky-subject.js";

/** The request header that pins a request to a version (a number or an alias), for keys with the `models:pin` scope. */
export const pinHeader = "x-gantry-version";
/** The response header that says which version answered. */
export const versionHeader = "x-gantry-model-version";
/** The key scope that allows pinning. */
export const pinScope: KeyScope = "models:pin";

/** Receives each request whose primary answer has been written; the shadow-traffic extension point. */
export type AnsweredHook = (context: RequestContext, choice: ModelVersionChoice) => void;

export interface VersionResolverOptions {
  /** The current snapshot; read once per request, so a swap never tears a request's view. */
  snapshot(): RegistrySnapshot;
  sessionHeader: string;
  answered?: AnsweredHook;
}

/**
 * Resolves a request's version from memory: a pin header (scope checked), else the model's split by a sticky hash,
 * else `prod`. Constant work per request: two map lookups and, with a split, one hash over a few bounds.
 */
export function createVersionResolver(options: VersionResolverOptions): ModelVersionResolver {
  const answered = options.answered ?? ((): void => undefined);
  return {
    resolve(context, request) {
      const model = request.body.model;
      const versions = options.snapshot().models.get(model);
      if (versions === undefined) return undefined;
      const pinned = context.request.headers[pinHeader];
      let entry;
      if (typeof pinned === "string" && pinned !== "") {
        if (!mayPin(context)) throw new GatewayError("permission_denied", { message: `This key may not choose a model version: ${pinHeader} needs the ${pinScope} scope.` });
        entry = versions.versions.get(pinned) ?? versions.aliases.get(pinned);
        if (entry === undefined) throw new GatewayError("model_version_not_found", { message: `The model "${model}" has no version or alias "${clipClientText(pinned)}".`, param: pinHeader });
      } else {
        entry = versions.split?.pick(model, stickySubject(context, request, options.sessionHeader)) ?? versions.prod;
      }
      if (entry === undefined) return undefined;
      context.facts.modelVersion = entry.label;
      context.response.setHeader(versionHeader, entry.label);
      return { model, version: entry.label, router: entry.router, request: entry.transform(request) };
    },
    answered,
  };
}

/** Pinning is open when auth is off; otherwise admin keys and keys granted the scope may pin. */
function mayPin(context: RequestContext): boolean {
  const principal = context.principal;
  if (principal === undefined) return true;
  const policy = principal.policy;
  return policy?.admin === true || policy?.scopes?.includes(pinScope) === true;
}
