import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyService } from "../../gen/identity/v1/api_key_service_pb.js";
import { AuthService } from "../../gen/identity/v1/auth_service_pb.js";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { createTestDatabase, type TestDatabase } from "../../platform/db/test-database.js";
import { ensureServiceCert } from "../../platform/pki/index.js";
import { type SpawnedService, spawnService } from "../support/spawn-service.js";
import { bearer } from "../support/test-tokens.js";

// Issue 5, point 8: identity runs as in production (its own process, JSON
// logs on stdout) at the most verbose level; every line it writes while
// handling sign-ups, logins, refreshes and API keys is checked for secrets.
let identity: SpawnedService;
let database: TestDatabase<Record<string, never>> | undefined;

beforeAll(async () => {
  database = process.env.TEST_DATABASE_URL ? await createTestDatabase({}) : undefined;
  identity = await spawnService("identity", {
    LOG_LEVEL: "trace",
    AUTH_API_KEY_CACHE_MS: "0",
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
}, 60_000);
afterAll(async () => {
  identity.child.kill("SIGTERM");
  await identity.exited;
  await database?.drop();
});

async function clients() {
  const cert = await ensureServiceCert(identity.certsDir, { service: "gateway" });
  const transport = createGrpcTransport({
    baseUrl: `https://127.0.0.1:${identity.rpcPort}`,
    nodeOptions: { ca: cert.ca, cert: cert.cert, key: cert.key },
  });
  return {
    auth: createClient(AuthService, transport),
    users: createClient(UserService, transport),
    keys: createClient(ApiKeyService, transport),
  };
}

describe("identity's logs", () => {
  it("never contain a password, an access or refresh token, or an API key", async () => {
    const { auth, users, keys } = await clients();
    const password = "Sup3r-secret-passphrase!";
    const wrongPassword = "Wr0ng-secret-passphrase!";
    const email = "logs@example.com";
    const secrets: string[] = [password, wrongPassword];
    const options = (credential: string) => ({ headers: { authorization: bearer(credential) } });

    const registered = await auth.register({ email, password, displayName: "Logs" });
    const userId = registered.user!.userId;
    secrets.push(registered.tokens!.accessToken, registered.tokens!.refreshToken);
    await expect(auth.login({ email, password: wrongPassword })).rejects.toMatchObject({
      code: Code.Unauthenticated,
    });
    const login = (await auth.login({ email, password })).tokens!;
    secrets.push(login.accessToken, login.refreshToken);
    const refreshed = (await auth.refresh({ refreshToken: login.refreshToken })).tokens!;
    secrets.push(refreshed.accessToken, refreshed.refreshToken);
    // A replayed refresh token: the failure path logs too.
    await expect(auth.refresh({ refreshToken: login.refreshToken })).rejects.toMatchObject({
      code: Code.Unauthenticated,
    });

    const created = await keys.createApiKey(
      { name: "logs", scopes: ["users:read"] },
      options(registered.tokens!.accessToken),
    );
    secrets.push(created.secret);
    await users.getUser({ userId }, options(created.secret));
    await keys.verifyApiKey({ secret: created.secret });
    await keys.revokeApiKey(
      { keyId: created.apiKey!.keyId },
      options(registered.tokens!.accessToken),
    );
    await expect(users.getUser({ userId }, options(created.secret))).rejects.toMatchObject({
      code: Code.Unauthenticated,
    });
    await auth.logout({ refreshToken: registered.tokens!.refreshToken });
    await new Promise((r) => setTimeout(r, 200)); // let the child's stdout drain

    const rpcLines = identity.lines.filter((l) => l.includes('"rpc":"identity.v1.'));
    // The calls above were logged (a test that saw no lines could not fail).
    expect(rpcLines.some((l) => l.includes("AuthService/Login"))).toBe(true);
    expect(rpcLines.some((l) => l.includes("ApiKeyService/RevokeApiKey"))).toBe(true);
    const text = identity.lines.join("\n");
    for (const secret of secrets) expect(text).not.toContain(secret);
    // Nor the distinctive parts a log line might show cut short.
    for (const secret of secrets) expect(text).not.toContain(secret.slice(-24));
  });
});
