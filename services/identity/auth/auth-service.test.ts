import { createHmac } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { drizzle } from "drizzle-orm/postgres-js";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../../../platform/audit/verify-audit-chain.js";
import { DEFAULT_USER_SCOPES } from "../../../platform/auth/scopes.js";
import type { AppDatabase } from "../../../platform/db/index.js";
import { ADMIN_SCOPES, mintTestToken } from "../../../test/support/test-tokens.js";
import { auditLog } from "../db/schema.js";
import {
  as,
  codeOf,
  type IdentityTestClients,
  startIdentityWithClients,
  uniqueEmail,
} from "../testing/identity-test-clients.js";
import { hashRefreshToken } from "./refresh-token-store.js";
import { loadTokenKeys } from "./token-keys.js";

let t: IdentityTestClients;
const password = "correct horse battery staple";

beforeAll(async () => {
  t = await startIdentityWithClients({ LOGIN_MAX_FAILURES: "3", LOGIN_LOCK_SECONDS: "2" });
});
afterAll(() => t.stop());

async function register(email = uniqueEmail()) {
  const res = await t.auth.register({ email, password, displayName: "Ada" });
  return { email, userId: res.user!.userId, tokens: res.tokens! };
}

async function auditActions(target: string): Promise<string[]> {
  const rows =
    await t.sql!`select action from identity.audit_log where target = ${target} order by id`;
  return rows.map((r) => r.action as string);
}

describe("AuthService.Register and Login", () => {
  it("signs up with an OAuth token response whose access token verifies against GetJwks by kid", async () => {
    const { userId, tokens } = await register();
    expect(tokens).toMatchObject({ tokenType: "Bearer", expiresIn: 600 });
    expect(tokens.scope.split(" ").sort()).toEqual([...DEFAULT_USER_SCOPES].sort());
    expect(tokens.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const { keys } = await t.auth.getJwks({});
    const header = decodeProtectedHeader(tokens.accessToken);
    expect(header).toMatchObject({ alg: "EdDSA", typ: "at+jwt", kid: keys[0]!.kid });
    const jwks = createLocalJWKSet({ keys: keys.map((k) => ({ ...k })) });
    const { payload } = await jwtVerify(tokens.accessToken, jwks, {
      issuer: "protoplane",
      audience: "protoplane-api",
      typ: "at+jwt",
    });
    expect(payload.sub).toBe(userId);
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it.runIf(process.env.TEST_DATABASE_URL)(
    "stores the password as argon2id (m=19 MiB, t=2, p=1) in PHC format, and the refresh token only hashed",
    async () => {
      const { userId, tokens } = await register();
      const [user] =
        await t.sql!`select password_hash from identity.users where user_id = ${userId}`;
      expect(user!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[^$]+\$[^$]+$/);
      const stored =
        await t.sql!`select token_hash from identity.refresh_tokens where user_id = ${userId}`;
      expect(stored.map((r) => r.token_hash)).toEqual([hashRefreshToken(tokens.refreshToken)]);
      expect(await auditActions(`user:${userId}`)).toEqual(["user.registered"]);
    },
  );

  it("refuses a second account with the same email, in any case", async () => {
    const { email } = await register();
    const again = t.auth.register({ email: email.toUpperCase(), password, displayName: "B" });
    expect(await codeOf(again)).toBe(Code.AlreadyExists);
  });

  it("logs in, and answers a wrong password, an unknown email and a password-less user alike", async () => {
    const { email } = await register();
    const { tokens } = await t.auth.login({ email, password });
    expect(tokens?.accessToken).toBeTruthy();

    // A user an admin created has no password and cannot log in.
    const adminToken = await mintTestToken(t.identity.certsDir, crypto.randomUUID(), ADMIN_SCOPES);
    const created = { email: uniqueEmail(), displayName: "No password" };
    await t.users.createUser(created, as(adminToken));
    const failures = await Promise.all([
      t.auth.login({ email, password: "wrong password" }).catch(ConnectError.from),
      t.auth.login({ email: uniqueEmail(), password }).catch(ConnectError.from),
      t.auth.login({ email: created.email, password }).catch(ConnectError.from),
    ]);
    expect(failures).toHaveLength(3);
    for (const err of failures) {
      expect(err).toMatchObject({
        code: Code.Unauthenticated,
        rawMessage: "invalid email or password",
      });
    }
  });
});

describe("AuthService lock-out", () => {
  it("locks after LOGIN_MAX_FAILURES failures in a row, refuses the right password while locked, then unlocks", async () => {
    const { email, userId } = await register();
    for (let i = 0; i < 3; i++) {
      expect(await codeOf(t.auth.login({ email, password: "nope nope" }))).toBe(
        Code.Unauthenticated,
      );
    }
    const locked = await t.auth.login({ email, password }).catch(ConnectError.from);
    expect(locked).toMatchObject({
      code: Code.Unauthenticated,
      rawMessage: "invalid email or password",
    });
    if (t.sql) {
      expect(await auditActions(`user:${userId}`)).toEqual([
        "user.registered",
        "auth.login.failed",
        "auth.login.failed",
        "auth.login.failed",
        "auth.account.locked",
        "auth.login.failed",
      ]);
    }
    await new Promise((r) => setTimeout(r, 2_100));
    await expect(t.auth.login({ email, password })).resolves.toBeDefined();
  });

  it("resets the failure count on a successful login", async () => {
    const { email } = await register();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) await codeOf(t.auth.login({ email, password: "nope nope" }));
      await expect(t.auth.login({ email, password })).resolves.toBeDefined();
    }
  });
});

describe("AuthService.Refresh and Logout", () => {
  it("rotates the refresh token on every use", async () => {
    const { tokens } = await register();
    const first = (await t.auth.refresh({ refreshToken: tokens.refreshToken })).tokens!;
    expect(first.refreshToken).not.toBe(tokens.refreshToken);
    const second = (await t.auth.refresh({ refreshToken: first.refreshToken })).tokens!;
    expect(second.accessToken).toBeTruthy();
  });

  it("revokes the whole family when a spent refresh token is presented again", async () => {
    const { userId, tokens } = await register();
    const next = (await t.auth.refresh({ refreshToken: tokens.refreshToken })).tokens!;
    expect(await codeOf(t.auth.refresh({ refreshToken: tokens.refreshToken }))).toBe(
      Code.Unauthenticated,
    );
    // The newest token of the family, never used, is revoked with it.
    expect(await codeOf(t.auth.refresh({ refreshToken: next.refreshToken }))).toBe(
      Code.Unauthenticated,
    );
    if (t.sql) expect(await auditActions(`user:${userId}`)).toContain("auth.token_family.revoked");
  });

  it("refuses an unknown refresh token", async () => {
    const unknown = t.auth.refresh({ refreshToken: "A".repeat(43) });
    expect(await codeOf(unknown)).toBe(Code.Unauthenticated);
  });

  it("logs out by revoking the family; logging out again succeeds", async () => {
    const { tokens } = await register();
    const next = (await t.auth.refresh({ refreshToken: tokens.refreshToken })).tokens!;
    await t.auth.logout({ refreshToken: next.refreshToken });
    expect(await codeOf(t.auth.refresh({ refreshToken: next.refreshToken }))).toBe(
      Code.Unauthenticated,
    );
    await expect(t.auth.logout({ refreshToken: next.refreshToken })).resolves.toBeDefined();
  });

  it.runIf(process.env.TEST_DATABASE_URL)(
    "gives the refreshed access token the user's current scopes",
    async () => {
      const { userId, tokens } = await register();
      await t.sql!`update identity.users set scopes = '{users:read}' where user_id = ${userId}`;
      const next = (await t.auth.refresh({ refreshToken: tokens.refreshToken })).tokens!;
      expect(next.scope).toBe("users:read");
    },
  );
});

describe("access tokens", () => {
  it("are accepted by identity's own RPCs, and refused once expired or unsigned", async () => {
    const { userId, tokens } = await register();
    const { user } = await t.users.getUser({ userId }, as(tokens.accessToken));
    expect(user?.userId).toBe(userId);

    const keys = await loadTokenKeys({ certsDir: t.identity.certsDir });
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ scope: DEFAULT_USER_SCOPES.join(" ") })
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: keys.current.kid })
      .setIssuer("protoplane")
      .setAudience("protoplane-api")
      .setSubject(userId)
      .setJti("expired-1")
      .setIssuedAt(now - 1_200)
      .setExpirationTime(now - 600)
      .sign(keys.current.privateKey);
    const refused = await t.users.getUser({ userId }, as(expired)).catch(ConnectError.from);
    expect(refused).toMatchObject({
      code: Code.Unauthenticated,
      rawMessage: "access token expired",
    });

    const [, p] = tokens.accessToken.split(".");
    const unsigned = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString("base64url")}.${p}.`;
    expect(await codeOf(t.users.getUser({ userId }, as(unsigned)))).toBe(Code.Unauthenticated);
  });
});

describe("token attacks", () => {
  it("refuses an HS256 token keyed with the published public key", async () => {
    const { userId, tokens } = await register();
    const { keys } = await t.auth.getJwks({});
    const [, payload] = tokens.accessToken.split(".");
    const header = { alg: "HS256", typ: "at+jwt", kid: keys[0]!.kid };
    const signingInput = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${payload}`;
    const mac = createHmac("sha256", Buffer.from(keys[0]!.x, "base64url")).update(signingInput);
    const forged = `${signingInput}.${mac.digest("base64url")}`;
    expect(await codeOf(t.users.getUser({ userId }, as(forged)))).toBe(Code.Unauthenticated);
  });

  it("lets one of two concurrent refreshes with the same token win, and revokes the family", async () => {
    const { tokens } = await register();
    const results = await Promise.allSettled([
      t.auth.refresh({ refreshToken: tokens.refreshToken }),
      t.auth.refresh({ refreshToken: tokens.refreshToken }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    const next = (won[0] as PromiseFulfilledResult<{ tokens?: { refreshToken: string } }>).value;
    expect(await codeOf(t.auth.refresh({ refreshToken: next.tokens!.refreshToken }))).toBe(
      Code.Unauthenticated,
    );
  });
});

describe("identity's audit log", () => {
  it.runIf(process.env.TEST_DATABASE_URL)(
    "records failed logins without the email or password, on a chain that verifies",
    async () => {
      const email = uniqueEmail();
      await codeOf(t.auth.login({ email, password: "guess guess" }));
      const rows = await t.sql!`select actor, target, outcome, details from identity.audit_log
        where action = 'auth.login.failed' order by id desc limit 1`;
      expect({ ...rows[0] }).toEqual({
        actor: "anonymous",
        target: null,
        outcome: "failure",
        details: { reason: "unknown_email" },
      });
      const all = JSON.stringify(await t.sql!`select * from identity.audit_log`);
      expect(all).not.toContain(password);
      expect(all).not.toContain("guess guess");
      expect(all).not.toContain(email);
      const db = drizzle(t.sql!) as unknown as AppDatabase;
      expect(await verifyAuditChain(db, auditLog)).toMatchObject({ ok: true });
    },
  );
});
