import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { generateApiKey } from "./api-key-format.js";
import { createAuthenticator } from "./authenticator.js";
import { authorizePrincipal } from "./authorize-principal.js";
import { mayAccess } from "./object-access.js";
import type { Principal } from "./principal.js";

const user: Principal = {
  kind: "user",
  subject: "u1",
  scopes: new Set(["users:read"]),
  credentialId: "t1",
};
const keyOwner: Principal = {
  kind: "api_key",
  subject: "u2",
  scopes: new Set(),
  credentialId: "k1",
};

function authenticator(apiKeyCacheMs = 5_000) {
  const seen = { tokens: [] as string[], keys: [] as string[] };
  const authenticate = createAuthenticator({
    tokens: async (t) => {
      seen.tokens.push(t);
      return user;
    },
    apiKeys: async (k) => {
      seen.keys.push(k);
      return keyOwner;
    },
    apiKeyCacheMs,
  });
  return { authenticate, seen };
}

// A refusal is always a rejected promise, never a throw or a value.
async function code(verified: unknown): Promise<Code | undefined> {
  expect(verified).toBeInstanceOf(Promise);
  return (verified as Promise<unknown>).then(
    () => undefined,
    (e: unknown) => ConnectError.from(e).code,
  );
}

describe("createAuthenticator", () => {
  it("is undefined without a credential, and refuses anything that is not a Bearer token", async () => {
    const { authenticate } = authenticator();
    expect(await authenticate(undefined)).toBeUndefined();
    for (const bad of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "token abc", "Bearer ä"]) {
      expect(await code(authenticate(bad))).toBe(Code.Unauthenticated);
    }
  });

  it("refuses a ppk_ credential of the wrong shape without asking the key verifier", async () => {
    const { authenticate, seen } = authenticator();
    const key = generateApiKey().secret;
    for (const bad of ["ppk_short", `${key}${"A".repeat(200)}`, `${key.slice(0, -1)}!`]) {
      expect(await code(authenticate(`Bearer ${bad}`)), bad).toBe(Code.Unauthenticated);
    }
    expect(seen.keys).toEqual([]);
  });

  it("sends JWTs to the token verifier and ppk_ keys to the key verifier, any scheme case", async () => {
    const { authenticate, seen } = authenticator();
    const key = generateApiKey().secret;
    expect(await authenticate("bearer eyJhbGciOi.eyJzdWIi.c2ln")).toBe(user);
    expect(await authenticate(`Bearer ${key}`)).toBe(keyOwner);
    expect(seen).toEqual({ tokens: ["eyJhbGciOi.eyJzdWIi.c2ln"], keys: [key] });
  });

  it("asks about an API key again only after the cache time, so revocation takes effect", async () => {
    const cached = authenticator(60_000);
    const key = generateApiKey().secret;
    const owner = await cached.authenticate(`Bearer ${key}`);
    // Known now: answered at once, without a promise.
    expect(cached.authenticate(`Bearer ${key}`)).toBe(owner);
    expect(cached.seen.keys).toHaveLength(1);
    const uncached = authenticator(0);
    await uncached.authenticate(`Bearer ${key}`);
    await uncached.authenticate(`Bearer ${key}`);
    expect(uncached.seen.keys).toHaveLength(2);
  });
});

describe("authorizePrincipal", () => {
  const rule = { public: true, anonymous: false, scopes: ["users:read"] };
  it("needs a credential from public clients, not from services", () => {
    expect(() => authorizePrincipal(rule, undefined, true)).toThrow(/needs Authorization/);
    expect(() => authorizePrincipal(rule, undefined, false)).not.toThrow();
    expect(() => authorizePrincipal({ ...rule, anonymous: true }, undefined, true)).not.toThrow();
  });
  it("needs every scope of the policy", () => {
    expect(() => authorizePrincipal(rule, user, true)).not.toThrow();
    const err = (() => {
      try {
        authorizePrincipal({ ...rule, scopes: ["users:read", "admin"] }, user, true);
      } catch (e) {
        return ConnectError.from(e);
      }
    })();
    expect(err?.code).toBe(Code.PermissionDenied);
    expect(err?.rawMessage).toContain('"admin"');
  });
});

describe("mayAccess", () => {
  const admin: Principal = { ...user, subject: "a", scopes: new Set(["admin"]) };
  it("lets owners read and write, admins only read, services everything", () => {
    expect(mayAccess(user, "u1", "write")).toBe(true);
    expect(mayAccess(user, "u9", "read")).toBe(false);
    expect(mayAccess(admin, "u9", "read")).toBe(true);
    expect(mayAccess(admin, "u9", "write")).toBe(false);
    expect(mayAccess(undefined, "u9", "write")).toBe(true);
  });
});
