/**
 * The identity stand-in of `npm run bench:auth`: bench/servers/platform-server.ts
 * (the platform's RPC server with its full chain, GetUser from the in-memory
 * store, the per-call log line to /dev/null) plus what authentication adds
 * to identity:
 *
 * - AuthService.GetJwks publishes the dev signing key of BENCH_CERTS_DIR
 *   (the key the orchestrator mints tokens with), so the gateway verifies
 *   tokens the way it does against identity;
 * - the server verifies the forwarded bearer token itself, with that key set
 *   held locally, as identity does (services/identity/identity-service.ts);
 * - GetUser makes identity's object check (mayAccess) before answering.
 *
 * BENCH_AUTH=off is the unauthenticated baseline: GetUser is registered
 * with its proto policy made `anonymous` (no credential needed, none
 * verified), everything else is the same.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { pino } from "pino";
import { announce, readServerEnv } from "../../bench/servers/server-entry.js";
import { createUserStore } from "../../bench/servers/user-store.js";
import { AuthService } from "../../gen/identity/v1/auth_service_pb.js";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { mayAccess } from "../../platform/auth/object-access.js";
import { principalOf } from "../../platform/auth/principal.js";
import { createLogger } from "../../platform/log/index.js";
import { rpcPolicyOf } from "../../platform/rpc/rpc-policy.js";
import { createRpcServer } from "../../platform/rpc/rpc-server.js";
import type { ServiceRegistration } from "../../platform/rpc/service-registration.js";
import { loadTokenKeys } from "../../services/identity/auth/token-keys.js";
import { createTestAuthenticator } from "../../test/support/test-authenticator.js";

const env = readServerEnv();
const certsDir = process.env["BENCH_CERTS_DIR"];
if (!certsDir) throw new Error("BENCH_CERTS_DIR is not set");
const authOff = process.env["BENCH_AUTH"] === "off";
const store = createUserStore();
const users: ServiceRegistration<typeof UserService> = {
  service: UserService,
  impl: {
    getUser(req, ctx) {
      // As identity answers another user's id: as if it did not exist.
      if (!mayAccess(principalOf(ctx), req.userId, "read")) {
        throw new ConnectError(`user ${req.userId} not found`, Code.NotFound);
      }
      return store.getUser(req);
    },
  },
  ...(authOff ? { policy: { ...rpcPolicyOf(UserService.method.getUser), anonymous: true } } : {}),
};
const { jwks } = await loadTokenKeys({ certsDir });
const keys = jwks.map((k) => ({ ...k }));
const auth: ServiceRegistration<typeof AuthService> = {
  service: AuthService,
  impl: { getJwks: () => ({ keys }) },
};
const server = createRpcServer({
  services: [users, auth],
  tls: env.tls,
  trustDomain: "protoplane.local",
  logger: createLogger({
    service: "identity",
    level: "info",
    destination: pino.destination({ dest: "/dev/null", sync: false }),
  }),
  maxMessageBytes: 4 * 1024 * 1024,
  authenticator: await createTestAuthenticator(certsDir),
});
announce(await server.listen(env.port, "127.0.0.1"), () => store.stats);
