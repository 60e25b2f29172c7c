import { toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListApiKeysResponseSchema } from "../../../gen/identity/v1/api_key_service_pb.js";
import { hashApiKey } from "../../../platform/auth/api-key-format.js";
import {
  as,
  codeOf,
  type IdentityTestClients,
  startIdentityWithClients,
  uniqueEmail,
} from "../testing/identity-test-clients.js";

let t: IdentityTestClients;

// No API key cache: a revoked key must fail on the very next call.
beforeAll(async () => {
  t = await startIdentityWithClients({ AUTH_API_KEY_CACHE_MS: "0" });
});
afterAll(() => t.stop());

async function signUp() {
  const email = uniqueEmail();
  const res = await t.auth.register({ email, password: "a long password", displayName: "K" });
  return { userId: res.user!.userId, token: res.tokens!.accessToken };
}

async function newKey(token: string, scopes = ["users:read"], name = "ci") {
  return t.keys.createApiKey({ name, scopes }, as(token));
}

describe("ApiKeyService", () => {
  it("shows the secret once and stores only its SHA-256", async () => {
    const { token } = await signUp();
    const { apiKey, secret } = await newKey(token);
    expect(secret).toMatch(/^ppk_[A-Za-z0-9_-]{55}$/);
    expect(secret.startsWith(apiKey!.prefix)).toBe(true);
    const listed = await t.keys.listApiKeys({}, as(token));
    expect(listed.data.map((k) => k.keyId)).toEqual([apiKey!.keyId]);
    const json = toJsonString(ListApiKeysResponseSchema, listed);
    expect(json).toContain(apiKey!.prefix);
    expect(json).not.toContain(secret.slice(apiKey!.prefix.length));
    if (t.sql) {
      const rows = await t.sql`select * from identity.api_keys where key_id = ${apiKey!.keyId}`;
      expect(rows[0]!.key_hash).toBe(hashApiKey(secret));
      expect(JSON.stringify(rows)).not.toContain(secret);
    }
  });

  it("authenticates Authorization: Bearer <key> with the key's scopes only", async () => {
    const { userId, token } = await signUp();
    const { secret } = await newKey(token, ["users:read"]);
    const { user } = await t.users.getUser({ userId }, as(secret));
    expect(user?.userId).toBe(userId);
    const update = t.users.updateUser(
      { user: { userId, displayName: "X" }, updateMask: { paths: ["display_name"] } },
      as(secret),
    );
    expect(await codeOf(update)).toBe(Code.PermissionDenied);
  });

  it("refuses scopes the caller does not hold, naming the scope", async () => {
    const { token } = await signUp();
    const err = await newKey(token, ["users:read", "admin"]).catch(ConnectError.from);
    expect(err).toMatchObject({ code: Code.PermissionDenied });
    expect((err as ConnectError).rawMessage).toContain('"admin"');
  });

  it("refuses to let a key create a key", async () => {
    const { token } = await signUp();
    const { secret } = await newKey(token, ["api_keys:write", "users:read"]);
    expect(await codeOf(newKey(secret, ["users:read"]))).toBe(Code.PermissionDenied);
  });

  it("revokes a key at once, idempotently; another user's key is NOT_FOUND", async () => {
    const { userId, token } = await signUp();
    const { apiKey, secret } = await newKey(token);
    const other = await signUp();
    const theirs = t.keys.revokeApiKey({ keyId: apiKey!.keyId }, as(other.token));
    expect(await codeOf(theirs)).toBe(Code.NotFound);
    await expect(t.users.getUser({ userId }, as(secret))).resolves.toBeDefined();

    const { apiKey: revoked } = await t.keys.revokeApiKey({ keyId: apiKey!.keyId }, as(token));
    expect(revoked?.revokeTime).toBeDefined();
    const again = await t.keys.revokeApiKey({ keyId: apiKey!.keyId }, as(token));
    expect(again.apiKey?.revokeTime).toEqual(revoked?.revokeTime);
    expect(await codeOf(t.users.getUser({ userId }, as(secret)))).toBe(Code.Unauthenticated);
    expect(await codeOf(t.keys.verifyApiKey({ secret }))).toBe(Code.Unauthenticated);
  });

  it("answers VerifyApiKey with the key's id, owner and scopes", async () => {
    const { userId, token } = await signUp();
    const { apiKey, secret } = await newKey(token, ["users:read", "orders:read"]);
    const found = await t.keys.verifyApiKey({ secret });
    expect(found).toMatchObject({ keyId: apiKey!.keyId, userId });
    expect([...found.scopes].sort()).toEqual(["orders:read", "users:read"]);
    const forged = `${secret.slice(0, -4)}AAAA`;
    expect(await codeOf(t.keys.verifyApiKey({ secret: forged }))).toBe(Code.Unauthenticated);
    expect(await codeOf(t.keys.verifyApiKey({ secret: "ppk_short" }))).toBe(Code.Unauthenticated);
  });

  it("stops a key working once its owner is deleted", async () => {
    const { userId, token } = await signUp();
    const { secret } = await newKey(token);
    await t.users.deleteUser({ userId }, as(token));
    expect(await codeOf(t.keys.verifyApiKey({ secret }))).toBe(Code.Unauthenticated);
  });

  it("pages through the caller's keys newest first, and only theirs", async () => {
    const { token } = await signUp();
    const other = await signUp();
    await newKey(other.token);
    const made = [];
    for (let i = 0; i < 5; i++)
      made.push((await newKey(token, ["users:read"], `k${i}`)).apiKey!.keyId);
    const seen: string[] = [];
    let cursor = "";
    do {
      const page = await t.keys.listApiKeys({ limit: 2, cursor }, as(token));
      seen.push(...page.data.map((k) => k.keyId));
      cursor = page.nextCursor;
    } while (cursor !== "");
    expect(seen).toEqual([...made].reverse());
  });

  it.runIf(process.env.TEST_DATABASE_URL)("audits creation and revocation", async () => {
    const { userId, token } = await signUp();
    const { apiKey } = await newKey(token);
    await t.keys.revokeApiKey({ keyId: apiKey!.keyId }, as(token));
    await t.keys.revokeApiKey({ keyId: apiKey!.keyId }, as(token));
    const rows = await t.sql!`select actor, action from identity.audit_log
      where target = ${`api_key:${apiKey!.keyId}`} order by id`;
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { actor: `user:${userId}`, action: "api_key.created" },
      { actor: `user:${userId}`, action: "api_key.revoked" },
    ]);
  });
});
