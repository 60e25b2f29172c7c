import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient } from "@connectrpc/connect";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { OrderService } from "../../gen/orders/v1/order_service_pb.js";
import { createFastGrpcTransport, type FastGrpcTransport } from "../../platform/client/index.js";
import { createTestDatabase, type TestDatabase } from "../../platform/db/test-database.js";
import type { EventBroker } from "../../platform/events/broker.js";
import { createMemoryBroker } from "../../platform/events/memory-broker.js";
import { ensureServiceCert } from "../../platform/pki/index.js";
import { type RunningService, startService } from "../../platform/service/index.js";
import { identityService } from "../../services/identity/identity-service.js";
import { identitySchema } from "../../services/identity/index.js";
import { ordersSchema } from "../../services/orders/index.js";
import { ordersService } from "../../services/orders/orders-service.js";
import { runAll, type Step } from "./run-all.js";

/** OrdersPlatformOptions say where the two services keep their data and events. */
export interface OrdersPlatformOptions {
  /** JetStream for both services (each opens its own connection); else one in-process broker. */
  readonly natsUrl?: string | undefined;
}

/** OrdersPlatform is identity and orders running in this process, as `npm start` runs them. */
export interface OrdersPlatform {
  readonly identity: RunningService;
  readonly orders: RunningService;
  readonly certsDir: string;
  /**
   * The services' databases, when they run on a real Postgres
   * (TEST_DATABASE_URL): fresh ones, open here too so tests can look inside
   * and act on them. Undefined on PGlite, whose files the service holds.
   */
  readonly ordersDatabase: TestDatabase<typeof ordersSchema> | undefined;
  readonly identityDatabase: TestDatabase<typeof identitySchema> | undefined;
  /** The in-process broker both services share, when there is no NATS. */
  readonly broker: EventBroker | undefined;
  /** Clients calling as the gateway, over mTLS with the fast transport. */
  readonly users: Client<typeof UserService>;
  readonly ordersClient: Client<typeof OrderService>;
  /** Drains identity; orders keeps running. */
  stopIdentity(): Promise<void>;
  /** Starts identity again on the same RPC port, database and data dir. */
  startIdentity(): Promise<void>;
  /** Stops everything started here and drops the databases. */
  stop(): Promise<void>;
}

/**
 * startOrdersPlatform starts identity, then orders calling it over mTLS,
 * with free ports, their own certs and data dirs, and fresh databases: real
 * Postgres when TEST_DATABASE_URL is set, PGlite otherwise.
 */
export async function startOrdersPlatform(
  options: OrdersPlatformOptions = {},
): Promise<OrdersPlatform> {
  const scratch = mkdtempSync(join(tmpdir(), "pp-platform-"));
  const certsDir = join(scratch, "certs");
  // What is started so far, stopped in reverse order, also when starting fails halfway.
  const started: Step[] = [() => rmSync(scratch, { recursive: true, force: true })];
  const stopAll = () => runAll(...started.splice(0).reverse());
  try {
    const onPostgres = Boolean(process.env["TEST_DATABASE_URL"]);
    const identityDatabase = onPostgres ? await createTestDatabase(identitySchema) : undefined;
    started.push(() => identityDatabase?.drop());
    const ordersDatabase = onPostgres ? await createTestDatabase(ordersSchema) : undefined;
    started.push(() => ordersDatabase?.drop());
    // Both services in this process share the in-process broker, as `npm start` does.
    const broker = options.natsUrl ? undefined : createMemoryBroker({});
    started.push(() => broker?.close());
    const env = (service: string, databaseUrl: string | undefined) => ({
      RPC_PORT: "0",
      ADMIN_PORT: "0",
      CERTS_DIR: certsDir,
      DATA_DIR: join(scratch, service),
      LOG_LEVEL: "silent",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...(options.natsUrl ? { NATS_URL: options.natsUrl } : {}),
    });
    const startOptions = broker ? { broker } : {};
    const identityEnv = env("identity", identityDatabase?.url);
    let identity: RunningService | undefined = await startService(
      identityService,
      identityEnv,
      startOptions,
    );
    started.push(() => identity?.stop());
    const identityPort = identity.rpcPort;
    const orders = await startService(
      ordersService,
      {
        ...env("orders", ordersDatabase?.url),
        UPSTREAMS: `identity=https://127.0.0.1:${identityPort}`,
      },
      startOptions,
    );
    started.push(() => orders.stop());
    const tls = await ensureServiceCert(certsDir, { service: "gateway" });
    const transports: FastGrpcTransport[] = [identityPort, orders.rpcPort].map((port) =>
      createFastGrpcTransport({ baseUrl: `https://127.0.0.1:${port}`, tls }),
    );
    started.push(() => Promise.all(transports.map((t) => t.close())));
    return {
      get identity() {
        if (!identity) throw new Error("identity is stopped");
        return identity;
      },
      orders,
      certsDir,
      ordersDatabase,
      identityDatabase,
      broker,
      users: createClient(UserService, transports[0]!),
      ordersClient: createClient(OrderService, transports[1]!),
      async stopIdentity() {
        await identity?.stop();
        identity = undefined;
      },
      async startIdentity() {
        identity ??= await startService(
          identityService,
          { ...identityEnv, RPC_PORT: String(identityPort) },
          startOptions,
        );
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
}
