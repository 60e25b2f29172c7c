/**
 * OWASP API Security Top 10 2023, API10: Unsafe Consumption of APIs
 * (https://owasp.org/API-Security/editions/2023/en/0xaa-unsafe-consumption-of-apis/).
 * What the platform consumes from other APIs is untrusted: a key set
 * (JWKS) with HMAC or `none` entries cannot make an HS256 or unsigned
 * token pass (the verifier's algorithm allow-list decides, not the key
 * set); and, through the real gateway in front of a hostile stand-in
 * identity (mTLS, as in production), an upstream INTERNAL error carrying
 * internals becomes the masked 500 envelope, its text only in the log,
 * and an answer over the gateway's MAX_MESSAGE_BYTES is the upstream's
 * fault (500), not a rate limit (the 429 its RESOURCE_EXHAUSTED would map to).
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../gateway/start-gateway.js";
import { AuthService } from "../../gen/identity/v1/auth_service_pb.js";
import { UserSchema } from "../../gen/identity/v1/user_pb.js";
import {
  type GetUserRequest,
  GetUserResponseSchema,
  UserService,
} from "../../gen/identity/v1/user_service_pb.js";
import { createRefreshingKeySet } from "../../platform/auth/refreshing-key-set.js";
import type { PublicJwk } from "../../platform/auth/signing-keys.js";
import { createTokenVerifier } from "../../platform/auth/token-verifier.js";
import type { ServiceRegistration } from "../../platform/rpc/service-registration.js";
import { loadTokenKeys } from "../../services/identity/auth/token-keys.js";
import { accessClaims, hs256Token } from "../support/forged-tokens.js";
import { createGatewayDatabase, type GatewayDatabase } from "../support/gateway-database.js";
import { createGatewayClient, type GatewayClient } from "../support/gateway-http.js";
import { type StartedRpcServer, startRpcServer } from "../support/start-rpc-server.js";
import { createTestPki, type TestPki } from "../support/test-pki.js";
import { bearer, mintTestToken } from "../support/test-tokens.js";

const SUBJECT = "0190f3a4-5b6c-7d8e-9f00-000000000001";
const FAILING = "0190f3a4-5b6c-7d8e-9f00-0000000fa11e";
const OVERSIZED = "0190f3a4-5b6c-7d8e-9f00-00000000b16e";
const MAX_MESSAGE_BYTES = 64 * 1024;
const INTERNALS =
  "pq: password authentication failed for user app at 10.1.2.3:5432 /srv/identity.ts:42";
const HMAC_SECRET = "shared-secret-from-a-hostile-jwks";

let pki: TestPki;
let upstream: StartedRpcServer;
let database: GatewayDatabase;
let gateway: RunningGateway;
let api: GatewayClient;
let genuine: { authorization: string };
const logs: Record<string, unknown>[] = [];

// The stand-in publishes the real keys, plus the same key relabelled HS256
// under a kid of its own: a JWKS an attacker in the middle would serve.
async function hostileJwks(): Promise<PublicJwk[]> {
  const { jwks } = await loadTokenKeys({ certsDir: pki.dir });
  const relabelled = { ...jwks[0]!, kid: "relabelled", alg: "HS256" } as unknown as PublicJwk;
  return [...jwks, relabelled];
}

beforeAll(async () => {
  pki = await createTestPki();
  genuine = { authorization: bearer(await mintTestToken(pki.dir, SUBJECT)) };
  const keys = (await hostileJwks()).map((k) => ({ ...k }));
  const auth: ServiceRegistration<typeof AuthService> = {
    service: AuthService,
    impl: { getJwks: () => ({ keys }) },
  };
  const users: ServiceRegistration<typeof UserService> = {
    service: UserService,
    impl: {
      getUser(req: GetUserRequest) {
        if (req.userId === FAILING) throw new ConnectError(INTERNALS, Code.Internal);
        const displayName = req.userId === OVERSIZED ? "A".repeat(MAX_MESSAGE_BYTES) : "Ada";
        return create(GetUserResponseSchema, {
          user: create(UserSchema, { userId: req.userId, email: "a@example.com", displayName }),
        });
      },
    },
  };
  upstream = await startRpcServer(pki, "identity", [auth, users]);
  database = await createGatewayDatabase();
  gateway = await startGateway(
    {
      ...database.env,
      PORT: "0",
      ADMIN_PORT: "0",
      CERTS_DIR: pki.dir,
      LOG_LEVEL: "error",
      MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
      UPSTREAMS: `identity=${upstream.baseUrl},orders=https://127.0.0.1:1`,
    },
    { logDestination: { write: (line: string) => void logs.push(JSON.parse(line)) } },
  );
  api = createGatewayClient(gateway.port);
});

afterAll(async () => {
  await gateway?.stop();
  await database?.remove();
  await upstream?.stop();
});

const getUser = (id: string, headers: Record<string, string> = genuine) =>
  api.send("GET", `/v1/users/${id}`, { headers });

describe("API10 unsafe consumption: a hostile key set", () => {
  it("does not let HMAC or none entries of a JWKS admit HS256 or unsigned tokens", async () => {
    const { jwks } = await loadTokenKeys({ certsDir: pki.dir });
    const hostile = [
      ...jwks,
      { kty: "oct", kid: "hmac", alg: "HS256", k: Buffer.from(HMAC_SECRET).toString("base64url") },
      { kty: "oct", kid: "none", alg: "none", k: "" },
    ] as unknown as PublicJwk[];
    const verify = createTokenVerifier({
      keys: createRefreshingKeySet(async () => hostile),
      issuer: "protoplane",
      audience: "protoplane-api",
    });
    const claims = accessClaims(SUBJECT);
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
    for (const token of [
      hs256Token(HMAC_SECRET, "hmac", claims),
      `${b64({ alg: "none", typ: "at+jwt", kid: "none" })}.${b64(claims)}.`,
    ]) {
      await expect(verify(token)).rejects.toMatchObject({ code: Code.Unauthenticated });
    }
    // The same verifier still admits a genuine token: the refusals above are the attack's.
    await expect(verify(genuine.authorization.slice(7))).resolves.toMatchObject({
      subject: SUBJECT,
    });
  });

  it("refuses, through the gateway, an HS256 token naming a key the upstream relabelled HS256", async () => {
    const { jwks } = await loadTokenKeys({ certsDir: pki.dir });
    const forged = hs256Token(jwks[0]!.x, "relabelled", accessClaims(SUBJECT));
    const res = await getUser(SUBJECT, { authorization: bearer(forged) });
    expect(res.status).toBe(401);
    expect((await getUser(SUBJECT)).status).toBe(200);
  });
});

describe("API10 unsafe consumption: hostile upstream answers", () => {
  it("does not pass an upstream INTERNAL error's message to the client, and logs it", async () => {
    const res = await getUser(FAILING);
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({
      code: "INTERNAL",
      message: "internal error",
      details: [],
    });
    for (const leak of ["10.1.2.3", "password", "pq:", "/srv/", "5432"]) {
      expect(res.text).not.toContain(leak);
    }
    const logged = logs.find((l) => l.request_id === res.body.error.request_id);
    expect(JSON.stringify(logged)).toContain("10.1.2.3");
  });

  it("answers an upstream message over MAX_MESSAGE_BYTES with 500, not 429, and stays up", async () => {
    const res = await getUser(OVERSIZED);
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: "INTERNAL", message: "internal error" });
    expect(res.headers["retry-after"]).toBeUndefined();
    expect((await getUser(SUBJECT)).status).toBe(200);
  });
});
