/**
 * identity as deployed, for the observability benchmark: the platform's
 * whole service runtime (`runService`: config from the environment, pino
 * logger on stdout, OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set,
 * RPC metrics, admin port with probes and `/metrics`, the mTLS RPC server
 * with policy, validation and the per-call log line), identity's tables
 * and migrations on PGlite, and one difference: GetUser answers from the
 * benchmark's in-memory store (bench/servers/user-store.ts), not from the
 * database. With a query per call the database would dominate and any
 * observability cost would look small; this is the worst case for it.
 */
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import type { ServiceRegistration } from "../../platform/rpc/service-registration.js";
import { defineService, runService } from "../../platform/service/index.js";
import * as schema from "../../services/identity/db/schema.js";
import { migrationsFolder } from "../../services/identity/index.js";
import { createUserStore } from "../servers/user-store.js";

const store = createUserStore();
const users: ServiceRegistration<typeof UserService> = {
  service: UserService,
  impl: { getUser: (req) => store.getUser(req) },
};

await runService(
  defineService({
    name: "identity",
    ports: { rpcPort: 50051, adminPort: 9051 },
    database: { schema, migrationsFolder },
    create: () => [users],
  }),
);
