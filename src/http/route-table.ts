import { GatewayError } from "../errors/gateway-error.js";
import type { RequestContext } from "../pipeline/request-context.js";

/** Answers one HTTP request. */
export type RouteHandler = (context: RequestContext) => Promise<void> | void;
import { clipClientText } from "../errors/clip-client-text.js";

/** A path's handlers by HTTP method. */
export type MethodHandlers = Partial<Record<string, RouteHandler>>;

/** A matched route: its handler and the decoded `:name` path parameters. */
export interface RouteMatch {
  readonly handler: RouteHandler;
  readonly params: Readonly<Record<string, string>>;
}

export interface RouteTable {
  /** The handler for a method and path; throws 404 / 405 envelopes when there is none. */
  match(method: string, path: string): RouteMatch;
}

const noParams: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Routes by exact path through one Map lookup (the API's hot routes); paths with `:name` segments
 * (`/admin/keys/:id`) are matched segment by segment only when no exact path matched; a trailing `:name*` segment
 * matches the rest of the path, slashes included (`/v1/models/:id*` serves `/v1/models/org/name`).
 */
export function createRouteTable(routes: Iterable<readonly [string, MethodHandlers]>): RouteTable {
  const exact = new Map<string, MethodHandlers>();
  const patterns: { segments: string[]; methods: MethodHandlers }[] = [];
  for (const [path, methods] of routes) {
    if (path.includes("/:")) patterns.push({ segments: path.split("/"), methods });
    else exact.set(path, { ...exact.get(path), ...methods });
  }

  function pick(methods: MethodHandlers, method: string, path: string): RouteHandler {
    const handler = methods[method];
    if (handler === undefined) throw new GatewayError("method_not_allowed", { message: `${method} is not allowed on ${path}.` });
    return handler;
  }

  return {
    match(method, path) {
      const methods = exact.get(path);
      if (methods !== undefined) return { handler: pick(methods, method, path), params: noParams };
      const segments = path.split("/");
      for (const pattern of patterns) {
        const params = matchSegments(pattern.segments, segments);
        if (params !== undefined) return { handler: pick(pattern.methods, method, path), params };
      }
      throw new GatewayError("not_found", { message: `No route for ${clipClientText(method)} ${clipClientText(path)}.` });
    },
  };
}

function matchSegments(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  const greedy = pattern.at(-1)?.endsWith("*") === true;
  if (greedy ? segments.length < pattern.length : pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, expected] of pattern.entries()) {
    const actual = segments[index] ?? "";
    if (greedy && index === pattern.length - 1) {
      // A trailing `:name*` takes the rest of the path, slashes included: model ids such as `org/name`.
      const rest = segments.slice(index);
      if (rest.some((segment) => segment === "")) return undefined;
      params[expected.slice(1, -1)] = rest.map(decodeSegment).join("/");
    } else if (expected.startsWith(":")) {
      if (actual === "") return undefined;
      params[expected.slice(1)] = decodeSegment(actual);
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new GatewayError("invalid_request", { message: "The URL path is not validly percent-encoded." });
  }
}
