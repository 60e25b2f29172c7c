import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchUserIds } from "../../bench/servers/user-store.js";
import { bearer, mintTestToken } from "../../test/support/test-tokens.js";
import type { GatewayProcess } from "./gateway-process.js";
import type { RestBenchOptions } from "./rest-bench.js";

/** AuthMode is one side of `npm run bench:auth`. */
export type AuthMode = "authenticated" | "unauthenticated";

/** The settings benchRest takes that differ between the two modes. */
export type AuthModeOptions = Required<
  Pick<RestBenchOptions, "server" | "gateway" | "headers" | "verify">
>;

const SERVER_ENTRY = fileURLToPath(new URL("./auth-identity-server.ts", import.meta.url));
const GATEWAY_ENTRY = fileURLToPath(new URL("./auth-gateway-entry.ts", import.meta.url));
const [USER_ID, OTHER_USER_ID] = benchUserIds() as [string, string];
// The gateway's per-principal (or per-IP) read budget, left on in both modes
// but far above what one core serves, so it is spent and never refuses.
const READ_BUDGET = "999999999/1";

/**
 * authModeOptions is everything that makes a mode: the same two entries
 * (the identity stand-in, and startGateway as deployed) with BENCH_AUTH set
 * or not, and for the authenticated mode a fresh token of the user whose
 * id is requested (a token lives 10 minutes; each measurement mints its
 * own, with the dev key of `certsDir` that the stand-in publishes).
 */
export async function authModeOptions(mode: AuthMode, certsDir: string): Promise<AuthModeOptions> {
  const authEnv: Record<string, string> = mode === "authenticated" ? {} : { BENCH_AUTH: "off" };
  const token = mode === "authenticated" ? await mintTestToken(certsDir, USER_ID) : undefined;
  return {
    server: { entry: SERVER_ENTRY, extraEnv: { ...authEnv, BENCH_CERTS_DIR: certsDir } },
    gateway: {
      entry: GATEWAY_ENTRY,
      extraEnv: {
        ...authEnv,
        // One throwaway PGlite per gateway (idempotency keys; unused by GET).
        DATA_DIR: mkdtempSync(join(certsDir, "gateway-data-")),
        RATE_LIMIT_READ: READ_BUDGET,
      },
    },
    headers: token ? [`authorization: ${bearer(token)}`] : [],
    verify: token
      ? (gateway, log) => verifyAuthenticated(gateway, token, log)
      : (gateway, log) => verifyUnauthenticated(gateway, log),
  };
}

/**
 * verifyAuthenticated proves the authenticated path real: without a token
 * the gateway answers 401; with it, the user's own record comes back (so
 * the gateway and identity both accepted it); another user's id with the
 * same token is 404, which only identity's object check, fed by the
 * principal identity verified itself, can answer.
 */
async function verifyAuthenticated(
  gateway: GatewayProcess,
  token: string,
  log: (line: string) => void,
): Promise<void> {
  const auth = { authorization: bearer(token) };
  await expectStatus(gateway, USER_ID, {}, 401, "UNAUTHENTICATED");
  await expectUser(gateway, auth);
  await expectStatus(gateway, OTHER_USER_ID, auth, 404, "NOT_FOUND");
  log("  authenticated: path live (no token → 401; token → own user 200; other user → 404)");
}

/**
 * verifyUnauthenticated proves the baseline real: the same GET without any
 * credential answers the user, and a malformed id is refused by identity's
 * protovalidate rule (the gateway really calls through).
 */
async function verifyUnauthenticated(
  gateway: GatewayProcess,
  log: (line: string) => void,
): Promise<void> {
  await expectUser(gateway, {});
  await expectStatus(gateway, "not-a-uuid", {}, 400, "VALIDATION_FAILED");
  log("  unauthenticated: path live (no token → 200; bad uuid → 400 VALIDATION_FAILED)");
}

async function expectUser(gateway: GatewayProcess, headers: Record<string, string>) {
  const res = await fetch(`http://127.0.0.1:${gateway.port}/v1/users/${USER_ID}`, { headers });
  const user = (await res.json()) as { user_id?: string };
  if (res.status !== 200 || user.user_id !== USER_ID) {
    throw new Error(`GET own user: ${res.status} ${JSON.stringify(user)}`);
  }
}

async function expectStatus(
  gateway: GatewayProcess,
  userId: string,
  headers: Record<string, string>,
  status: number,
  code: string,
): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${gateway.port}/v1/users/${userId}`, { headers });
  const { error } = (await res.json()) as { error?: { code?: string } };
  if (res.status !== status || error?.code !== code) {
    throw new Error(`GET ${userId}: ${res.status} ${error?.code}, expected ${status} ${code}`);
  }
}
