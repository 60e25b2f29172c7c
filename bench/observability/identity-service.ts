/**
 * identity as deployed, for the observability benchmark: the platform's
 * whole service runtime (`runService`: config from the environment, pino
 * logger on stdout, OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set,
 * RPC metrics, admin port with probes and `/metrics`, the mTLS RPC server
 * with authentication, policy, validation and the per-call log line) and
 * identity's own definition (tables and migrations on PGlite, the token
 * keys, AuthService, whose JWKS the gateway verifies tokens with), with
 * one difference: GetUser answers from the benchmark's in-memory store
 * (bench/servers/user-store.ts), not from the database. With a query per
 * call the database would dominate and any observability cost would look
 * small; this is the worst case for it.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import { type GetUserRequest, UserService } from "../../gen/identity/v1/user_service_pb.js";
import { registerService } from "../../platform/rpc/service-registration.js";
import { runService } from "../../platform/service/index.js";
import { identityService } from "../../services/identity/identity-service.js";
import { createUserStore } from "../servers/user-store.js";

type UserImpl = ServiceImpl<typeof UserService>;

const store = createUserStore();
const getUser = (req: GetUserRequest) => store.getUser(req);

await runService({
  ...identityService,
  create: async (deps) => {
    const registrations = await identityService.create(deps);
    // Every registration as identity makes it, GetUser's answer aside.
    return registrations.map((reg) =>
      reg.service === UserService
        ? registerService(UserService, { ...(reg.impl as unknown as UserImpl), getUser })
        : reg,
    );
  },
});
