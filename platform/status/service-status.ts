import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { ConfigError, type PlatformConfig } from "../config/index.js";
import type { Database } from "../db/index.js";
import type { EventBroker } from "../events/broker.js";
import { loadBuildInfo } from "./build-info.js";
import { createStatusMonitor, type StatusMonitor } from "./create-status-monitor.js";
import { createDatabaseCheck } from "./database-check.js";
import { createEventsCheck } from "./events-check.js";
import { createStatusAccess } from "./status-access.js";
import type { StatusCheck } from "./status-check.js";
import { createStatusHandler, type StatusHandler } from "./status-handler.js";
import { createUpstreamsCheck, type StatusUpstream } from "./upstreams-check.js";

/** StatusRegistry is how a service adds to its status page (`ServiceDeps.status`). */
export interface StatusRegistry {
  /** Adds a subsystem of the service's own, checked in the background like the platform's. */
  register(check: StatusCheck): void;
  /**
   * Watches a transport to another service under `upstreams`: its circuit
   * breaker and a `grpc.health.v1` check through it, e.g.
   * `status.registerUpstream("identity", transport)`.
   */
  registerUpstream(name: string, transport: StatusUpstream): void;
}

/** StatusSettings are the config keys the status pages read. */
export type StatusSettings = Pick<
  PlatformConfig,
  | "statusIntervalMs"
  | "statusTimeoutMs"
  | "statusDbSlowMs"
  | "statusAllow"
  | "statusUsername"
  | "statusPassword"
  | "gitSha"
  | "buildTime"
>;

/** ServiceStatusOptions are what a service's status pages are built from. */
export interface ServiceStatusOptions {
  readonly config: StatusSettings;
  readonly registry: Registry;
  readonly logger: Logger;
  /** When the service started (ms since the epoch). */
  readonly startedAt: number;
  /** Aborted when the service starts draining (StatusMonitorOptions.draining). */
  readonly draining?: AbortSignal;
}

/** PlatformParts are the subsystems every service has. */
export interface PlatformParts {
  readonly database: Pick<Database, "ping" | "kind">;
  /** The service's broker and outbox lag, when it has events. */
  readonly events?:
    | {
        readonly broker: Pick<EventBroker, "ping" | "kind">;
        readonly outboxLag?: () => Promise<number>;
      }
    | undefined;
}

/** ServiceStatus is one service's status monitor and pages. */
export interface ServiceStatus {
  readonly monitor: StatusMonitor;
  /** Serves `/status…` on the admin port. */
  readonly handler: StatusHandler;
  readonly registry: StatusRegistry;
  /** Registers `database`, `events` (when given) and `upstreams`, in that order. */
  watch(parts: PlatformParts): void;
}

/**
 * createServiceStatus wires a service's status pages: the monitor (gauges in
 * the service's registry), the access rules from STATUS_ALLOW and
 * STATUS_USERNAME/PASSWORD, and what is running. Checks start when the
 * caller starts the monitor, once the service's own are registered.
 */
export function createServiceStatus(options: ServiceStatusOptions): ServiceStatus {
  const { config } = options;
  if ((config.statusUsername === undefined) !== (config.statusPassword === undefined)) {
    throw new ConfigError(["STATUS_USERNAME and STATUS_PASSWORD: set both or neither"]);
  }
  const monitor = createStatusMonitor({
    intervalMs: config.statusIntervalMs,
    timeoutMs: config.statusTimeoutMs,
    registry: options.registry,
    logger: options.logger,
    draining: options.draining,
  });
  const access = createStatusAccess({
    allow: config.statusAllow,
    username: config.statusUsername,
    password: config.statusPassword,
  });
  const build = loadBuildInfo({ gitSha: config.gitSha, buildTime: config.buildTime });
  const upstreams = createUpstreamsCheck();
  return {
    monitor,
    handler: createStatusHandler({ monitor, access, build, startedAt: options.startedAt }),
    registry: { register: monitor.register, registerUpstream: upstreams.add },
    watch(parts) {
      monitor.register(createDatabaseCheck(parts.database, { slowMs: config.statusDbSlowMs }));
      if (parts.events) monitor.register(createEventsCheck(parts.events));
      monitor.register(upstreams);
    },
  };
}
