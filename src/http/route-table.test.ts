import { describe, expect, it } from "vitest";
import { GatewayError } from "../errors/gateway-error.js";
import { createRouteTable } from "./route-table.js";

const handler = (): void => undefined;
const other = (): void => undefined;

function codeOf(thunk: () => unknown): string | undefined {
  try {
    thunk();
  } catch (error) {
    return error instanceof GatewayError ? error.code : "not a GatewayError";
  }
  return undefined;
}

describe("route table", () => {
  const table = createRouteTable([
    ["/v1/models", { GET: handler }],
    ["/v1/models/:id*", { GET: other }],
    ["/admin/keys/:id", { DELETE: handler }],
  ]);

  it("matches exact paths first, then :name segments with decoded params", () => {
    expect(table.match("GET", "/v1/models")).toEqual({ handler, params: {} });
    expect(table.match("GET", "/v1/models/org%2Fname")).toEqual({ handler: other, params: { id: "org/name" } });
    expect(table.match("DELETE", "/admin/keys/k1").params).toEqual({ id: "k1" });
  });

  it("a trailing :name* takes the rest of the path, slashes included", () => {
    expect(table.match("GET", "/v1/models/org/name")).toEqual({ handler: other, params: { id: "org/name" } });
    expect(table.match("GET", "/v1/models/a/b%20c/d").params).toEqual({ id: "a/b c/d" });
    expect(codeOf(() => table.match("GET", "/v1/models/org/"))).toBe("not_found");
    expect(codeOf(() => table.match("GET", "/admin/keys/k1/more"))).toBe("not_found");
  });

  it("answers 404, 405 and 400 for unknown paths, wrong methods and bad percent-encoding", () => {
    expect(codeOf(() => table.match("GET", "/v1/nothing"))).toBe("not_found");
    expect(codeOf(() => table.match("GET", "/v1/models/"))).toBe("not_found");
    expect(codeOf(() => table.match("POST", "/v1/models"))).toBe("method_not_allowed");
    expect(codeOf(() => table.match("GET", "/admin/keys/k1"))).toBe("method_not_allowed");
    expect(codeOf(() => table.match("GET", "/v1/models/%E0%A4%A"))).toBe("invalid_request");
  });
});
