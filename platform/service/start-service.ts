import { join } from "node:path";
import type { Logger } from "pino";
import { type AuditSealer, startAuditSealer } from "../audit/audit-sealer.js";
import { createAuditStatusCheck } from "../audit/audit-status-check.js";
import type { AuthSources } from "../auth/auth-sources.js";
import { createProcessAuthenticator } from "../auth/create-process-authenticator.js";
import { type ConfigShape, defineServiceConfig, loadConfig } from "../config/index.js";
import { type AppDatabase, createDatabase, type Database, runMigrations } from "../db/index.js";
import type { EventBroker } from "../events/broker.js";
import { createLogger } from "../log/index.js";
import { createMetrics, createRpcMetrics } from "../metrics/index.js";
import { createHealthService } from "../rpc/health-service.js";
import { createRpcServer, type RpcServer } from "../rpc/rpc-server.js";
import { loadBuildInfo } from "../status/build-info.js";
import { createServiceStatus, type StatusMonitor } from "../status/index.js";
import { startTracing, type Tracing } from "../tracing/index.js";
import { type AdminServer, createAdminServer } from "./admin-server.js";
import { resolveTls } from "./resolve-tls.js";
import type { ServiceDefinition } from "./service-definition.js";
import { type RunningEvents, startEvents } from "./start-events.js";
import { reloadMountedTls, type TlsReloader } from "./tls-reloader.js";

/** StartOptions are for running several services in one process (dev, tests). */
export interface StartOptions {
  /** An event broker shared by the services of this process; else each opens its own. */
  readonly broker?: EventBroker;
}

/** RunningService is a started service; `stop` drains it gracefully. */
export interface RunningService {
  readonly name: string;
  readonly rpcPort: number;
  readonly adminPort: number;
  readonly logger: Logger;
  /** The background checks behind `/status` (register more, or read the cache, in tests). */
  readonly status: StatusMonitor;
  stop(): Promise<void>;
}

/**
 * startService boots one service: config (throws ConfigError listing every
 * problem), logger, TLS identity, admin port (so probes and `/status` answer
 * while the service starts), database and migrations, events, the service's
 * own parts, then the status checks and the mTLS RPC port. With TLS_*_PATH
 * set, the mounted certificate is re-read every TLS_RELOAD_INTERVAL_MS and
 * a renewed one served and presented without a restart.
 */
export async function startService<S extends ConfigShape, T extends Record<string, unknown>>(
  def: ServiceDefinition<S, T>,
  env: NodeJS.ProcessEnv = process.env,
  options: StartOptions = {},
): Promise<RunningService> {
  const startedAt = Date.now();
  const config = loadConfig(defineServiceConfig(def.ports, def.config ?? ({} as S)), env);
  const logger = createLogger({ service: def.name, level: config.logLevel });
  // Before anything that makes spans (database, RPC server, events) is built:
  // each decides once whether to trace.
  const tracing = await startTracing({
    service: def.name,
    version: loadBuildInfo({ gitSha: config.gitSha, buildTime: config.buildTime }).version,
    endpoint: config.otelEndpoint,
    sampleRatio: config.traceSampleRatio,
    logger,
  });
  // Aborted when the drain begins: readiness, /status and gRPC health all
  // turn at once.
  const draining = new AbortController();
  const state = { started: false, draining: draining.signal };
  let database: Database<T> | undefined;
  const metrics = createMetrics(def.name);
  const status = createServiceStatus({
    config,
    registry: metrics.registry,
    logger,
    startedAt,
    draining: draining.signal,
  });
  const admin = createAdminServer(
    { started: () => state.started, ready: () => readiness(state, database) },
    { metrics, status: status.handler },
  );
  const adminPort = await admin.listen(config.adminPort, config.host);
  const resolved = await resolveTls(def.name, config);
  // Everything below gets the reloader's live material, so clients made by
  // the service's own code pick up a renewed certificate too.
  const tlsReloader = reloadMountedTls(resolved, config, logger);
  const tls = tlsReloader?.tls ?? resolved;
  database = await createDatabase({
    url: config.databaseUrl,
    dataDir: config.databaseUrl ? "" : join(config.dataDir, def.name),
    schema: def.database.schema,
    poolMax: config.dbPoolMax,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    applicationName: def.name,
    logger,
    metrics: metrics.registry,
  });
  await runMigrations(database as Database, def.database.migrationsFolder, { service: def.name });
  const events = def.events
    ? await startEvents(def.name, def.events, database.db, {
        natsUrl: config.natsUrl,
        logger,
        broker: options.broker,
        metrics: metrics.registry,
      })
    : undefined;
  status.watch({
    database,
    events: events && { broker: events.broker, outboxLag: def.events?.outbox && events.lag },
  });
  const sealer = def.audit
    ? startAuditSealer({ db: database.db as AppDatabase, table: def.audit.table, logger })
    : undefined;
  if (sealer) status.registry.register(createAuditStatusCheck(sealer.backlog));
  const cleanups: (() => Promise<void> | void)[] = [];
  let authSources: AuthSources | undefined;
  const registrations = await def.create({
    config,
    logger,
    database,
    tls,
    notifyEvents: () => events?.notify(),
    onStop: (fn) => cleanups.push(fn),
    status: status.registry,
    provideAuthSources: (sources) => {
      authSources = sources;
    },
  });
  // Identity provides its own sources; every other service asks identity.
  const auth = createProcessAuthenticator(config, tls, authSources);
  cleanups.push(() => auth.close());
  status.monitor.start();
  const served = new Set(registrations.map((r) => r.service.typeName));
  const health = createHealthService({
    serving: () => state.started && !state.draining.aborted,
    services: served,
    draining: state.draining,
  });
  const rpc = createRpcServer({
    services: [health, ...registrations],
    tls,
    trustDomain: config.trustDomain,
    logger,
    maxMessageBytes: config.maxMessageBytes,
    maxConnectionAgeMs: config.rpcMaxConnectionAgeMs,
    metrics: createRpcMetrics(metrics.registry),
    authenticator: auth.authenticate,
  });
  tlsReloader?.onReload((material) => rpc.setTls(material));
  const rpcPort = await rpc.listen(config.rpcPort, config.host);
  state.started = true;
  logger.info(
    { rpc_port: rpcPort, admin_port: adminPort, database: database.kind },
    "service started",
  );
  const parts = {
    rpc,
    admin,
    database,
    logger,
    events,
    sealer,
    cleanups,
    tracing,
    status: status.monitor,
    tlsReloader,
  };
  const stop = once(() => drain(draining, parts, config));
  return { name: def.name, rpcPort, adminPort, logger, status: status.monitor, stop };
}

async function readiness(
  state: { started: boolean; draining: AbortSignal },
  database: Database | undefined,
) {
  if (state.draining.aborted) return { ok: false, reason: "draining" };
  if (!state.started || database === undefined) return { ok: false, reason: "starting" };
  try {
    await database.ping();
    return { ok: true };
  } catch {
    return { ok: false, reason: "database unreachable" };
  }
}

interface Parts {
  rpc: RpcServer;
  admin: AdminServer;
  database: Database;
  logger: Logger;
  events: RunningEvents | undefined;
  sealer: AuditSealer | undefined;
  cleanups: readonly (() => Promise<void> | void)[];
  status: StatusMonitor;
  tracing: Tracing;
  tlsReloader: TlsReloader | undefined;
}

/**
 * drain is the graceful shutdown: readiness and `/status` turn 503 and gRPC
 * health Watch streams end with NOT_SERVING first, then (after an
 * optional delay for load balancers to notice) the RPC port stops accepting
 * and in-flight calls finish until the deadline; then the status checks
 * stop (keeping their last results), consumers and the outbox relay stop
 * (committed events not yet published stay in the outbox for the next
 * start), the audit sealer seals what committed, and the database closes.
 */
async function drain(
  draining: AbortController,
  parts: Parts,
  config: { shutdownDelayMs: number; shutdownTimeoutMs: number },
): Promise<void> {
  draining.abort();
  parts.logger.info({ in_flight: parts.rpc.inFlight() }, "draining");
  if (config.shutdownDelayMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDelayMs));
  await parts.rpc.shutdown(config.shutdownTimeoutMs);
  await parts.tlsReloader?.stop();
  parts.status.stop();
  await parts.events?.stop();
  await parts.sealer?.stop();
  for (const cleanup of parts.cleanups) await cleanup();
  await parts.database.close();
  await parts.admin.close();
  await parts.tracing.shutdown();
  parts.logger.info("stopped");
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}
