/**
 * OWASP API Security Top 10 2023, API9: Improper Inventory Management
 * (https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/).
 * The inventory is generated: the served `/openapi.json` lists exactly the
 * operations of the route table the gateway serves (both ways), and no
 * internal RPC; every operation is under a version prefix (`/v1`, or
 * `/.well-known` for the key set); deprecation is marked in the document
 * exactly where the route sends Deprecation headers; and anything else,
 * an old or future version included, is 404.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteSpec } from "../../gateway/runtime/route-spec.js";
import { routes } from "../../gen/gateway/routes.js";
import { rpcPolicyOf } from "../../platform/rpc/rpc-policy.js";
import { type SecurityStack, startSecurityStack } from "../support/security-stack.js";

let stack: SecurityStack;
// biome-ignore lint/suspicious/noExplicitAny: the served document, checked field by field below.
let document: any;

beforeAll(async () => {
  stack = await startSecurityStack();
  const res = await stack.api.send("GET", "/openapi.json");
  expect(res.status).toBe(200);
  document = res.body;
});

afterAll(async () => {
  await stack?.stop();
});

// `{user.user_id}` is `{user_id}` in OpenAPI: compare templates with their variables blanked.
const shape = (method: string, path: string) =>
  `${method.toUpperCase()} ${path.replace(/\{[^}]*\}/g, "{}")}`;

function documentOperations(): Map<string, { operationId: string; deprecated?: boolean }> {
  const out = new Map();
  for (const [path, item] of Object.entries(document.paths as Record<string, object>)) {
    for (const [method, op] of Object.entries(item)) out.set(shape(method, path), op);
  }
  return out;
}

const routeKey = (r: RouteSpec) => shape(r.httpMethod, r.pathTemplate);

describe("API9 improper inventory management", () => {
  it("documents exactly the routes the gateway serves, both ways", () => {
    const documented = [...documentOperations().keys()].sort();
    expect(documented).toEqual(routes.map(routeKey).sort());
    expect(documented.length).toBeGreaterThan(10);
  });

  it("documents and serves no internal RPC (policy not public)", () => {
    const text = JSON.stringify(document);
    for (const internal of ["VerifyApiKey", "grpc.health", "Health_Check"]) {
      expect(text).not.toContain(internal);
    }
    for (const route of routes) {
      expect(rpcPolicyOf(route.method).public, route.method.name).toBe(true);
    }
  });

  it("puts every operation under a version prefix (/v1) or /.well-known", () => {
    for (const path of Object.keys(document.paths)) {
      expect(path).toMatch(/^\/(v\d+\/|\.well-known\/)/);
    }
  });

  it("marks deprecated operations exactly where the route sends Deprecation headers", () => {
    const ops = documentOperations();
    for (const route of routes) {
      const op = ops.get(routeKey(route))!;
      const headers = new Map(route.deprecationHeaders ?? []);
      expect(op.deprecated === true, routeKey(route)).toBe(route.deprecated);
      expect(headers.has("deprecation"), routeKey(route)).toBe(route.deprecated);
    }
  });

  it("sends no Deprecation or Sunset on an operation that is not deprecated", async () => {
    const res = await stack.api.send("GET", "/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(routes.find((r) => r.pathTemplate === "/.well-known/jwks.json")!.deprecated).toBe(false);
    expect(res.headers.deprecation).toBeUndefined();
    expect(res.headers.sunset).toBeUndefined();
  });

  it.each([
    "/v0/users",
    "/v2/users",
    "/users",
    "/api/v1/users",
    "/v1/admin",
    "/v1/users.json",
    "/v1/debug/vars",
    "/openapi.yaml",
    "/swagger.json",
    "/v1/openapi.json",
  ])("answers %s 404: nothing is served outside the inventory", async (path) => {
    const res = await stack.api.send("GET", path);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
  });
});
