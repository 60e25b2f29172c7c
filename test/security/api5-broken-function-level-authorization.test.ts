/**
 * OWASP API Security Top 10 2023, API5: Broken Function Level Authorization
 * (https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/).
 * Through the real gateway: a signed-up user calling administrative
 * functions, an API key calling outside its scopes or minting keys, and
 * anyone guessing the paths of internal RPCs or other HTTP methods are
 * refused: 403 for a credential without the scope (the proto policy), 404
 * for what the route table does not publish, 405 with `Allow` for a method
 * a path does not have.
 */
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayResponse } from "../support/gateway-http.js";
import { type SecurityStack, startSecurityStack, uniqueEmail } from "../support/security-stack.js";
import { bearer } from "../support/test-tokens.js";
import { adminHeaders } from "../support/test-users.js";

let stack: SecurityStack;

beforeAll(async () => {
  stack = await startSecurityStack();
});

afterAll(async () => {
  await stack?.stop();
});

function expectForbidden(res: GatewayResponse, what: string) {
  expect(res.status, what).toBe(403);
  expect(res.body.error.code, what).toBe("PERMISSION_DENIED");
}

describe("API5 broken function level authorization", () => {
  it("refuses a signed-up user the administrative functions: ListUsers, CreateUser, UpdateOrderStatus (403)", async () => {
    const user = await stack.signUp();
    const email = uniqueEmail("created-by-user");
    const calls = [
      ["GET", "/v1/users", undefined],
      ["POST", "/v1/users", { email, display_name: "X" }],
      [
        "PATCH",
        `/v1/orders/${uuidv7()}/status`,
        { status: "ORDER_STATUS_CONFIRMED", version: "1" },
      ],
    ] as const;
    for (const [method, path, json] of calls) {
      const res = await stack.api.send(method, path, {
        headers: user.headers,
        ...(json ? { json } : {}),
      });
      expectForbidden(res, `${method} ${path}`);
    }
    // The refused CreateUser created no user.
    const all = await stack.api.send("GET", "/v1/users?limit=100", {
      headers: await adminHeaders(stack.certsDir),
    });
    expect(all.status).toBe(200);
    expect(all.body.data.map((u: { email: string }) => u.email)).not.toContain(email);
  });

  it("refuses an API key a route outside its scopes (403), serves one inside them", async () => {
    const user = await stack.newUser();
    const key = await stack.createApiKey(user.headers, ["users:read"]);
    const asKey = { authorization: bearer(key.secret) };
    expect(
      (await stack.api.send("GET", `/v1/users/${user.userId}`, { headers: asKey })).status,
    ).toBe(200);
    const writes = [
      ["POST", `/v1/users/${user.userId}/orders`, { items: [], currency: "EUR" }],
      ["PATCH", `/v1/users/${user.userId}?update_mask=display_name`, { display_name: "K" }],
      ["DELETE", `/v1/users/${user.userId}`, undefined],
      ["GET", `/v1/users/${user.userId}/orders`, undefined],
    ] as const;
    for (const [method, path, json] of writes) {
      const res = await stack.api.send(method, path, {
        headers: asKey,
        ...(json ? { json } : {}),
      });
      expectForbidden(res, `${method} ${path}`);
    }
  });

  it("refuses an API key minting API keys, even one holding api_keys:write (403)", async () => {
    const user = await stack.newUser();
    const key = await stack.createApiKey(user.headers, ["api_keys:write", "api_keys:read"]);
    const res = await stack.api.send("POST", "/v1/api-keys", {
      json: { name: "child", scopes: ["api_keys:write"] },
      headers: { authorization: bearer(key.secret) },
    });
    expectForbidden(res, "CreateApiKey with an API key");
    const list = await stack.api.send("GET", "/v1/api-keys", { headers: user.headers });
    expect(list.body.data).toHaveLength(1);
  });

  it("refuses a user a key with scopes the user does not hold, such as admin (403)", async () => {
    const user = await stack.signUp();
    const res = await stack.api.send("POST", "/v1/api-keys", {
      json: { name: "escalate", scopes: ["admin"] },
      headers: user.headers,
    });
    expectForbidden(res, "CreateApiKey with admin");
  });

  it.each([
    ["POST", "/identity.v1.ApiKeyService/VerifyApiKey"],
    ["POST", "/grpc.health.v1.Health/Check"],
    ["GET", "/grpc.health.v1.Health/Check"],
    ["POST", "/identity.v1.UserService/ListUsers"],
    ["POST", "/v1/api-keys:verify"],
    ["GET", "/v1/api-keys/verify"],
    ["GET", "/health/ready"],
    ["GET", "/metrics"],
    ["GET", "/status"],
  ])("does not publish internal functions: %s %s is 404", async (method, path) => {
    const user = await stack.newUser();
    const res = await stack.api.send(method, path, {
      headers: { ...user.headers, "content-type": "application/json" },
      body: JSON.stringify({ secret: "ppk_x" }),
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
  });

  it.each([
    ["DELETE", "/v1/api-keys", "GET, HEAD, POST"],
    ["PUT", "/v1/users/{id}", "GET, HEAD, PATCH, DELETE"],
    ["POST", "/v1/orders/{id}", "GET, HEAD"],
    ["DELETE", "/v1/auth/login", "POST"],
    ["GET", "/v1/auth/register", "POST"],
  ])("refuses %s %s with 405 and Allow: %s (HEAD with GET, RFC 9110 §9.3.2)", async (method, template, allow) => {
    const user = await stack.newUser();
    const res = await stack.api.send(method, template.replace("{id}", user.userId), {
      headers: user.headers,
    });
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe("METHOD_NOT_ALLOWED");
    expect((res.headers.allow as string).split(", ").sort()).toEqual(allow.split(", ").sort());
  });
});
