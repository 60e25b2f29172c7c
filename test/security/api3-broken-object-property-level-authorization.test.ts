/**
 * OWASP API Security Top 10 2023, API3: Broken Object Property Level
 * Authorization
 * (https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/).
 * Mass assignment: a client cannot set a property it does not own by
 * adding it to a body (unknown fields are 400; OUTPUT_ONLY fields of the
 * proto are ignored, and the stored user shows they were) or by naming it
 * in an update_mask. Excessive data exposure: no answer carries a
 * password, a password hash, a refresh-token or API-key hash, and an API
 * key's secret appears once, in the answer that created it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayResponse } from "../support/gateway-http.js";
import { type SecurityStack, startSecurityStack, uniqueEmail } from "../support/security-stack.js";
import { adminHeaders } from "../support/test-users.js";

let stack: SecurityStack;

beforeAll(async () => {
  stack = await startSecurityStack();
});

afterAll(async () => {
  await stack?.stop();
});

// Properties a client might try to give itself; none is a RegisterRequest field.
const PRIVILEGED = {
  scopes: ["admin"],
  scope: "admin",
  password_hash: "$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA",
  order_count: "99",
  version: "42",
  user_id: "00000000-0000-7000-8000-00000000ad01",
  failed_logins: 0,
  locked_until: null,
};

const readUser = async (userId: string, headers: Record<string, string>) => {
  const res = await stack.api.send("GET", `/v1/users/${userId}`, { headers });
  expect(res.status).toBe(200);
  return res.body;
};

describe("API3 mass assignment", () => {
  it.each(
    Object.keys(PRIVILEGED),
  )("refuses sign-up carrying %s (400) and creates no account", async (name) => {
    const email = uniqueEmail("mass");
    const body = { email, password: "correct horse battery", display_name: "M" };
    const res = await stack.api.send("POST", "/v1/auth/register", {
      json: { ...body, [name]: PRIVILEGED[name as keyof typeof PRIVILEGED] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_ARGUMENT");
    expect(res.body.error.message).toContain(name);
    // Nothing was stored: the same sign-up without the property succeeds.
    const clean = await stack.api.send("POST", "/v1/auth/register", { json: body });
    expect(clean.status).toBe(200);
    expect(clean.body.tokens.scope.split(" ")).not.toContain("admin");
  });

  it("refuses UpdateUser bodies with properties User does not have (scopes, password_hash)", async () => {
    const user = await stack.newUser();
    const before = await readUser(user.userId, user.headers);
    for (const extra of [{ scopes: ["admin"] }, { password_hash: "x" }, { failed_logins: 0 }]) {
      const res = await stack.api.send(
        "PATCH",
        `/v1/users/${user.userId}?update_mask=display_name`,
        {
          json: { display_name: "Mallory", ...extra },
          headers: user.headers,
        },
      );
      expect(res.status, JSON.stringify(extra)).toBe(400);
    }
    expect(await readUser(user.userId, user.headers)).toEqual(before);
  });

  it("ignores OUTPUT_ONLY properties in an UpdateUser body: order_count, version and times stay the server's", async () => {
    const user = await stack.newUser();
    const before = await readUser(user.userId, user.headers);
    const res = await stack.api.send("PATCH", `/v1/users/${user.userId}?update_mask=display_name`, {
      json: {
        display_name: "Renamed",
        order_count: "99",
        version: "42",
        create_time: "2000-01-01T00:00:00Z",
        update_time: "2000-01-01T00:00:00Z",
      },
      headers: user.headers,
    });
    expect(res.status).toBe(200);
    const after = await readUser(user.userId, user.headers);
    expect(after.display_name).toBe("Renamed");
    expect(after.order_count).toBe(before.order_count);
    expect(after.version).toBe(String(Number(before.version) + 1));
    expect(after.create_time).toBe(before.create_time);
    expect(after.update_time).not.toBe("2000-01-01T00:00:00Z");
  });

  it("refuses a body user_id other than the path's: no writing into another account", async () => {
    const [user, victim] = [await stack.newUser(), await stack.newUser()];
    const res = await stack.api.send("PATCH", `/v1/users/${user.userId}?update_mask=display_name`, {
      json: { display_name: "Mallory", user_id: victim.userId },
      headers: user.headers,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: "user.user_id", reason: expect.any(String) }]);
    expect((await readUser(victim.userId, victim.headers)).display_name).toBe("Test");
  });

  it.each([
    "order_count",
    "user_id",
    "version",
    "create_time",
    "scopes",
    "password_hash",
  ])("refuses an update_mask naming %s (400), changing nothing", async (path) => {
    const user = await stack.newUser();
    const before = await readUser(user.userId, user.headers);
    const res = await stack.api.send("PATCH", `/v1/users/${user.userId}?update_mask=${path}`, {
      json: { display_name: "Mallory" },
      headers: user.headers,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_ARGUMENT");
    expect(await readUser(user.userId, user.headers)).toEqual(before);
  });
});

// A property name that would expose a credential or its hash.
const SECRET_NAME = /password|hash|secret|refresh|salt|lookup|failed_logins|locked/i;

/** propertyNames lists every property name in a JSON value, at any depth. */
function propertyNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(propertyNames);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...propertyNames(v)]);
}

function expectNoSecretProperties(res: GatewayResponse, allowed: readonly string[] = []) {
  const leaked = propertyNames(res.body).filter((n) => SECRET_NAME.test(n) && !allowed.includes(n));
  expect(leaked).toEqual([]);
}

describe("API3 excessive data exposure", () => {
  it("never answers a password, a hash or a refresh token outside the token response", async () => {
    const user = await stack.signUp();
    const admin = await adminHeaders(stack.certsDir);
    const answers = [
      await stack.api.send("GET", `/v1/users/${user.userId}`, { headers: user.headers }),
      await stack.api.send("GET", "/v1/users?limit=100", { headers: admin }),
      await stack.api.send("PATCH", `/v1/users/${user.userId}?update_mask=display_name`, {
        json: { display_name: "X" },
        headers: user.headers,
      }),
      await stack.api.send("POST", "/v1/auth/logout", { json: { refresh_token: "nope" } }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(200);
      expectNoSecretProperties(res);
      expect(res.text).not.toContain(user.password);
      expect(res.text).not.toContain("$argon2");
    }
    const login = await stack.api.send("POST", "/v1/auth/login", {
      json: { email: user.email, password: user.password },
    });
    // The token response (RFC 6749 §5.1) carries the new refresh token, and nothing else secret.
    expectNoSecretProperties(login, ["refresh_token"]);
    expect(login.text).not.toContain(user.password);
  });

  it("shows an API key's secret once: in the answer that created it, never in lists or revocations", async () => {
    const user = await stack.signUp();
    const { response: made } = await stack.createApiKey(user.headers, ["users:read"]);
    expectNoSecretProperties(made, ["secret"]);
    const secret = made.body.secret as string;
    expect(secret).toMatch(/^ppk_/);
    expect(secret.startsWith(made.body.api_key.prefix)).toBe(true);
    expect(secret.length).toBeGreaterThan(made.body.api_key.prefix.length + 20);
    const list = await stack.api.send("GET", "/v1/api-keys", { headers: user.headers });
    const revoke = await stack.api.send("POST", `/v1/api-keys/${made.body.api_key.key_id}:revoke`, {
      json: {},
      headers: user.headers,
    });
    for (const res of [list, revoke]) {
      expect(res.status).toBe(200);
      expectNoSecretProperties(res);
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toContain(secret.slice(made.body.api_key.prefix.length));
    }
    expect(list.body.data.map((k: { key_id: string }) => k.key_id)).toEqual([
      made.body.api_key.key_id,
    ]);
  });
});
