import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./testing/compile-protos.js";

// What gen/openapi.json says about the edge, operation by operation, for
// the contract's kinds of RPC (protoc-gen-gateway.test checks the file is
// what the generator writes from proto/ now).

interface Operation {
  operationId: string;
  description: string;
  security: Record<string, string[]>[];
  parameters: { $ref?: string; name?: string }[];
  responses: Record<string, { $ref?: string; headers?: Record<string, unknown> }>;
}

const doc = JSON.parse(readFileSync(join(repoRoot, "gen/openapi.json"), "utf8"));
const operations: Operation[] = Object.values(doc.paths).flatMap((item) =>
  Object.values(item as Record<string, Operation>),
);
const op = (path: string, method: string): Operation => doc.paths[path][method];
const refs = (o: Operation) => o.parameters.map((p) => p.$ref ?? p.name);
const IDEMPOTENCY_KEY = "#/components/parameters/IdempotencyKey";

describe("gen/openapi.json describes authentication", () => {
  it("declares one bearer scheme for access tokens and API keys", () => {
    const scheme = doc.components.securitySchemes.bearerAuth;
    expect(scheme).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
    expect(scheme.description).toContain("/v1/auth/login");
    expect(scheme.description).toContain("ppk_");
  });

  it("lets anonymous RPCs be called without a credential, and answers them no 401", () => {
    const login = op("/v1/auth/login", "post");
    expect(login.security).toEqual([]);
    expect(Object.keys(login.responses)).toEqual(["200", "429", "default"]);
    expect(login.description).toContain("**Authentication:** none");
  });

  it("names the scopes an authenticated RPC requires, with 401 and 403", () => {
    const createUser = op("/v1/users", "post");
    expect(createUser.security).toEqual([{ bearerAuth: ["admin"] }]);
    expect(createUser.responses["401"]).toEqual({ $ref: "#/components/responses/Unauthenticated" });
    expect(createUser.responses["403"]).toEqual({
      $ref: "#/components/responses/PermissionDenied",
    });
    expect(createUser.description).toContain("with the scope `admin`");
  });
});

describe("gen/openapi.json describes the edge", () => {
  it("gives every operation 429 with Retry-After, the error default and X-Request-ID", () => {
    for (const o of operations) {
      expect(o.responses["429"], o.operationId).toEqual({
        $ref: "#/components/responses/RateLimited",
      });
      expect(o.responses.default, o.operationId).toEqual({ $ref: "#/components/responses/Error" });
      expect(refs(o), o.operationId).toContain("#/components/parameters/RequestId");
      expect(Object.keys(o.responses["200"]?.headers ?? {}), o.operationId).toEqual(
        expect.arrayContaining(["X-Request-ID", "RateLimit", "RateLimit-Policy"]),
      );
    }
    expect(Object.keys(doc.components.responses.RateLimited.headers)).toContain("Retry-After");
  });

  it("describes every error with the one envelope", () => {
    for (const response of Object.values(doc.components.responses)) {
      expect(response).toMatchObject({
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      });
    }
  });

  it("takes Idempotency-Key on authenticated writes, with 409, 422 and Idempotent-Replayed", () => {
    const cancel = op("/v1/orders/{order_id}:cancel", "post");
    expect(refs(cancel)).toContain(IDEMPOTENCY_KEY);
    expect(Object.keys(cancel.responses)).toEqual([
      "200",
      "401",
      "403",
      "409",
      "422",
      "429",
      "default",
    ]);
    expect(cancel.responses["200"]!.headers).toHaveProperty("Idempotent-Replayed");
    expect(doc.components.parameters.IdempotencyKey.schema).toMatchObject({ maxLength: 255 });
  });

  it("takes no Idempotency-Key on reads or on anonymous writes, which ignore it", () => {
    for (const o of [op("/v1/users/{user_id}", "get"), op("/v1/auth/register", "post")]) {
      expect(refs(o), o.operationId).not.toContain(IDEMPOTENCY_KEY);
      expect(o.responses["409"], o.operationId).toBeUndefined();
      expect(o.responses["200"]!.headers, o.operationId).not.toHaveProperty("Idempotent-Replayed");
    }
  });
});
