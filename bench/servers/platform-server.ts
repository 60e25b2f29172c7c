/**
 * The platform's RPC server with its full chain: mTLS with a required client
 * certificate, the proto policy (caller identity from the certificate, the
 * policy's deadline), protovalidate, the unknown-field check and one pino
 * line per call at info.
 *
 * The log goes to pino's asynchronous SonicBoom destination on /dev/null:
 * every line is still built, redacted and serialized, only the disk is left
 * out. BENCH_LOG_FILE changes the file, BENCH_LOG_SYNC=1 makes it a write(2)
 * per line like the default stdout logger, BENCH_LOG_LEVEL=silent drops it.
 *
 * Two what-if switches measure proposed changes without editing platform/:
 * BENCH_LOG_REDACT=0 logs through `logger.child({}, { redact: [] })` (the
 * per-call line has a fixed set of non-secret fields), and
 * BENCH_POLICY_TIMEOUT=0 serves GetUser without its proto deadline, so no
 * timer is armed per call. Neither is the platform as shipped.
 */
import { pino } from "pino";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { createLogger } from "../../platform/log/index.js";
import { rpcPolicyOf } from "../../platform/rpc/rpc-policy.js";
import { createRpcServer } from "../../platform/rpc/rpc-server.js";
import type { ServiceRegistration } from "../../platform/rpc/service-registration.js";
import { announce, readServerEnv } from "./server-entry.js";
import { createUserStore } from "./user-store.js";

const env = readServerEnv();
const store = createUserStore();
const noDeadline = process.env["BENCH_POLICY_TIMEOUT"] === "0";
const identity: ServiceRegistration<typeof UserService> = {
  service: UserService,
  impl: { getUser: (req) => store.getUser(req) },
  ...(noDeadline
    ? { policy: { ...rpcPolicyOf(UserService.method.getUser), timeoutMs: undefined } }
    : {}),
};
const logger = createLogger({
  service: "identity",
  level: (process.env["BENCH_LOG_LEVEL"] || "info") as "info",
  destination: pino.destination({
    dest: process.env["BENCH_LOG_FILE"] || "/dev/null",
    sync: process.env["BENCH_LOG_SYNC"] === "1",
  }),
});
const server = createRpcServer({
  services: [identity],
  tls: env.tls,
  trustDomain: "protoplane.local",
  logger: process.env["BENCH_LOG_REDACT"] === "0" ? logger.child({}, { redact: [] }) : logger,
  maxMessageBytes: 4 * 1024 * 1024,
});
announce(await server.listen(env.port, "127.0.0.1"), () => store.stats);
