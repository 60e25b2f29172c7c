import { readdirSync } from "node:fs";
import { join } from "node:path";
import { create, createFileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { routes } from "../../gen/gateway/routes.js";
import { rpcPolicyOf } from "../../platform/rpc/rpc-policy.js";
import { rateLimitClassName } from "../edge/rate-limits.js";
import { routePolicyOf } from "./route-policy.js";
import { compileProtos, repoRoot } from "./testing/compile-protos.js";

// The document describes what the edge enforces only if both read the
// policy alike: the generator from the CodeGeneratorRequest (gen/ does not
// exist yet when it runs), the runtime from gen/ with rpcPolicyOf.

describe("routePolicyOf", () => {
  it("reads every public RPC of proto/ as rpcPolicyOf and the rate-limit gate do", () => {
    const contract = readdirSync(join(repoRoot, "proto"), { recursive: true, encoding: "utf8" });
    const generate = contract.filter((name) => name.endsWith(".proto"));
    const request = compileProtos({}, { generate });
    const registry = createFileRegistry(
      create(FileDescriptorSetSchema, { file: request.protoFile }),
    );
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      const runtime = rpcPolicyOf(route.method);
      const method = registry
        .getService(route.method.parent.typeName)
        ?.methods.find((m) => m.name === route.method.name);
      expect(method, route.method.name).toBeDefined();
      expect(routePolicyOf(method!), `${route.method.parent.name}.${route.method.name}`).toEqual({
        anonymous: runtime.anonymous,
        scopes: runtime.scopes,
        rateLimit: rateLimitClassName(runtime.rateLimit),
      });
    }
  });

  it("covers anonymous RPCs, scoped ones and several rate-limit classes", () => {
    // Otherwise the comparison above could pass on a contract that exercises nothing.
    const policies = routes.map((r) => rpcPolicyOf(r.method));
    expect(policies.some((p) => p.anonymous)).toBe(true);
    expect(policies.some((p) => p.scopes.length > 0)).toBe(true);
    expect(new Set(policies.map((p) => p.rateLimit)).size).toBeGreaterThan(2);
  });
});
