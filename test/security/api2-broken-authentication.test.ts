/**
 * OWASP API Security Top 10 2023, API2: Broken Authentication
 * (https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/).
 * Through the real gateway in front of identity and orders: a protected
 * route without a credential, with every classic forged JWT (RFC 8725),
 * with a made-up or revoked API key, all answer 401 with the envelope and
 * an RFC 6750 `WWW-Authenticate: Bearer` challenge; a replayed refresh
 * token revokes its whole family; passwords are stored as argon2id at
 * OWASP's parameters; an account locks after LOGIN_MAX_FAILURES failures,
 * even against the right password, and a success resets the count.
 */
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../services/identity/db/schema.js";
import { forgeTokens } from "../support/forged-tokens.js";
import type { GatewayResponse } from "../support/gateway-http.js";
import {
  type SecurityStack,
  type SignedUp,
  startSecurityStack,
} from "../support/security-stack.js";
import { bearer } from "../support/test-tokens.js";

// identity's default LOGIN_MAX_FAILURES.
const MAX_FAILURES = 10;

let stack: SecurityStack;

beforeAll(async () => {
  // Revocation must show within the test: the gateway trusts a verified key this long.
  stack = await startSecurityStack({ AUTH_API_KEY_CACHE_MS: "300" });
});

afterAll(async () => {
  await stack?.stop();
});

function expectRefused(res: GatewayResponse, challenge: string) {
  expect(res.status).toBe(401);
  expect(res.body.error).toMatchObject({ code: "UNAUTHENTICATED", details: [] });
  expect(res.body.error.request_id).toBe(res.headers["x-request-id"]);
  expect(res.headers["www-authenticate"]).toBe(challenge);
}

const INVALID_TOKEN = 'Bearer realm="protoplane", error="invalid_token"';

const getUser = (userId: string, authorization?: string) =>
  stack.api.send("GET", `/v1/users/${userId}`, {
    headers: authorization === undefined ? {} : { authorization },
  });

const login = (email: string, password: string) =>
  stack.api.send("POST", "/v1/auth/login", { json: { email, password } });

const refresh = (token: string) =>
  stack.api.send("POST", "/v1/auth/refresh", { json: { refresh_token: token } });

describe("API2 broken authentication: credentials the gateway must refuse", () => {
  it("answers a protected route without a credential 401 with a bare Bearer challenge", async () => {
    const user = await stack.newUser();
    expectRefused(await getUser(user.userId), 'Bearer realm="protoplane"');
    expect((await getUser(user.userId, user.headers.authorization)).status).toBe(200);
  });

  it("refuses a malformed Authorization header (Basic, or Bearer with no token)", async () => {
    const user = await stack.newUser();
    for (const authorization of ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer a b"]) {
      expectRefused(await getUser(user.userId, authorization), INVALID_TOKEN);
    }
  });

  it("refuses every forged access token: alg none, HS256 with the public key, wrong typ/iss/aud, expired, unknown key, edited payload", async () => {
    const user = await stack.newUser();
    const forged = await forgeTokens(stack.certsDir, user.userId, user.token);
    expect(Object.keys(forged)).toHaveLength(9);
    for (const [attack, token] of Object.entries(forged)) {
      const res = await getUser(user.userId, bearer(token));
      expect(res.status, attack).toBe(401);
      expectRefused(res, INVALID_TOKEN);
    }
    // The edited token would have been an admin's: ListUsers needs that scope.
    const edited = forged["payload edited to add admin"]!;
    expect(
      (await stack.api.send("GET", "/v1/users", { headers: { authorization: bearer(edited) } }))
        .status,
    ).toBe(401);
  });

  it("says only that an expired token expired, nothing about keys or claims", async () => {
    const user = await stack.newUser();
    const forged = await forgeTokens(stack.certsDir, user.userId, user.token);
    expect((await getUser(user.userId, bearer(forged.expired!))).body.error.message).toBe(
      "access token expired",
    );
    expect((await getUser(user.userId, bearer(forged["wrong aud"]!))).body.error.message).toBe(
      "access token invalid",
    );
  });

  it("refuses a made-up API key and a revoked one", async () => {
    const user = await stack.signUp();
    const made = await stack.createApiKey(user.headers, ["users:read"]);
    const key = made.secret;
    expect((await getUser(user.userId, bearer(key))).status).toBe(200);
    const guessed = `ppk_${randomBytes(32).toString("base64url")}`;
    expectRefused(await getUser(user.userId, bearer(guessed)), INVALID_TOKEN);
    // A key of the right shape with one character changed.
    const tampered = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
    expectRefused(await getUser(user.userId, bearer(tampered)), INVALID_TOKEN);
    const revoked = await stack.api.send("POST", `/v1/api-keys/${made.keyId}:revoke`, {
      json: {},
      headers: user.headers,
    });
    expect(revoked.status).toBe(200);
    // Within AUTH_API_KEY_CACHE_MS (300 ms here) the gateway asks identity again.
    await expect.poll(async () => (await getUser(user.userId, bearer(key))).status).toBe(401);
  });

  it("revokes the whole family when a spent refresh token is replayed", async () => {
    const user = await stack.signUp();
    const first = await refresh(user.refreshToken);
    expect(first.status).toBe(200);
    const newest = first.body.refresh_token as string;
    expect(newest).not.toBe(user.refreshToken);
    const replay = await refresh(user.refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe("UNAUTHENTICATED");
    // The thief or the user: one of them holds `newest`, and it is dead too.
    expect((await refresh(newest)).status).toBe(401);
    expect((await refresh(`${newest}x`)).status).toBe(401);
  });
});

describe("API2 broken authentication: passwords and lock-out", () => {
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "stores the password as argon2id PHC with m>=19456, t>=2, p>=1, never the password",
    async () => {
      const user = await stack.signUp();
      const [row] = await stack.platform
        .identityDatabase!.db.select({ hash: users.passwordHash })
        .from(users)
        .where(eq(users.userId, user.userId));
      const hash = row?.hash ?? "";
      const phc =
        /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22,}\$[A-Za-z0-9+/]{43,}$/.exec(
          hash,
        );
      expect(phc, hash).not.toBeNull();
      const [m, t, p] = phc!.slice(1).map(Number) as [number, number, number];
      expect(m).toBeGreaterThanOrEqual(19_456);
      expect(t).toBeGreaterThanOrEqual(2);
      expect(p).toBeGreaterThanOrEqual(1);
      expect(hash).not.toContain(user.password);
    },
  );

  async function fail(user: SignedUp, times: number) {
    for (let i = 0; i < times; i++) {
      const res = await login(user.email, `wrong-${i}-password`);
      expect(res.status).toBe(401);
    }
  }

  it("resets the failure count on a successful login", async () => {
    const user = await stack.signUp();
    await fail(user, MAX_FAILURES - 1);
    expect((await login(user.email, user.password)).status).toBe(200);
    // Without the reset this would make 2 × (N - 1) failures: locked.
    await fail(user, MAX_FAILURES - 1);
    expect((await login(user.email, user.password)).status).toBe(200);
  });

  it("locks the account after LOGIN_MAX_FAILURES, refusing the right password like a wrong one", async () => {
    const user = await stack.signUp();
    const wrong = await login(user.email, "not-the-password");
    await fail(user, MAX_FAILURES - 1);
    const locked = await login(user.email, user.password);
    expect(locked.status).toBe(401);
    // Same answer as any failed login: the lock tells nothing (docs/auth.md).
    expect(locked.body.error.code).toBe(wrong.body.error.code);
    expect(locked.body.error.message).toBe(wrong.body.error.message);
    // Tokens issued before the lock are another matter: access tokens run to expiry.
    expect((await getUser(user.userId, user.headers.authorization)).status).toBe(200);
  });
});
