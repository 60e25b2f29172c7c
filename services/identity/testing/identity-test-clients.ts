import { type Client, type Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import postgres from "postgres";
import { ApiKeyService } from "../../../gen/identity/v1/api_key_service_pb.js";
import { AuthService } from "../../../gen/identity/v1/auth_service_pb.js";
import { UserService } from "../../../gen/identity/v1/user_service_pb.js";
import { startTestIdentity, type TestIdentity } from "../../../test/support/start-test-identity.js";
import { bearer } from "../../../test/support/test-tokens.js";

/** IdentityTestClients call a running identity as the gateway does, over mTLS. */
export interface IdentityTestClients {
  readonly identity: TestIdentity;
  readonly auth: Client<typeof AuthService>;
  readonly users: Client<typeof UserService>;
  readonly keys: Client<typeof ApiKeyService>;
  /** SQL on identity's database, to read rows; undefined on PGlite. */
  readonly sql: postgres.Sql | undefined;
  stop(): Promise<void>;
}

/**
 * startIdentityWithClients starts identity in-process (real Postgres when
 * TEST_DATABASE_URL is set) and returns clients that present the gateway's
 * certificate, so calls go through the whole platform chain: policy,
 * validation, authentication and scopes.
 */
export async function startIdentityWithClients(
  env: Record<string, string> = {},
): Promise<IdentityTestClients> {
  const identity = await startTestIdentity(env);
  const { gateway, service } = identity;
  const transport = createGrpcTransport({
    baseUrl: `https://127.0.0.1:${service.rpcPort}`,
    nodeOptions: { ca: gateway.ca, cert: gateway.cert, key: gateway.key },
    defaultTimeoutMs: 10_000,
  });
  const sql = identity.databaseUrl ? postgres(identity.databaseUrl, { max: 1 }) : undefined;
  return {
    identity,
    auth: createClient(AuthService, transport),
    users: createClient(UserService, transport),
    keys: createClient(ApiKeyService, transport),
    sql,
    async stop() {
      await sql?.end();
      await identity.stop();
    },
  };
}

/** as is the call options of a call carrying `credential` (a token or an API key). */
export function as(credential: string) {
  return { headers: { authorization: bearer(credential) } };
}

/** codeOf is the code a call failed with, or undefined when it succeeded. */
export async function codeOf(call: Promise<unknown>): Promise<Code | undefined> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err).code;
  }
  return undefined;
}

let emails = 0;

/** uniqueEmail is a fresh address for each call in a test process. */
export function uniqueEmail(): string {
  emails++;
  return `user${emails}-${process.pid}@example.com`;
}
