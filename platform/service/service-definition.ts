import type { Logger } from "pino";
import type { AuditTable } from "../audit/audit-table.js";
import type { AuthSources } from "../auth/auth-sources.js";
import type { ConfigShape, ConfigValues, PlatformSettings, ServicePorts } from "../config/index.js";
import type { Database } from "../db/index.js";
import type { ServiceRegistration } from "../rpc/service-registration.js";
import type { StatusRegistry } from "../status/index.js";
import type { TlsMaterial } from "./resolve-tls.js";
import type { ServiceEvents } from "./start-events.js";

/** ServiceDeps are what the platform hands a service's factory at boot. */
export interface ServiceDeps<S extends ConfigShape, T extends Record<string, unknown>> {
  readonly config: ConfigValues<PlatformSettings & S>;
  readonly logger: Logger;
  readonly database: Database<T>;
  /** Wakes the outbox relay: call after a commit that wrote events. */
  readonly notifyEvents: () => void;
  /** This service's certificate, key and CA: what its clients present to upstreams. */
  readonly tls: TlsMaterial;
  /** Registers cleanup (closing clients) to run when the service drains. */
  readonly onStop: (fn: () => Promise<void> | void) => void;
  /**
   * Adds to the admin port's `/status` page: `registerUpstream(name,
   * transport)` for each service called, `register(check)` for anything else
   * this service depends on. Checks run in the background, never per request.
   */
  readonly status: StatusRegistry;
  /**
   * Identity checks credentials against its own keys and tables; every
   * other service leaves this alone and asks identity over mTLS.
   */
  readonly provideAuthSources: (sources: AuthSources) => void;
}

/**
 * ServiceDefinition is everything the platform needs to run a service: its
 * name (which is also its mTLS identity), default ports, extra config keys,
 * database tables and migrations, and a factory for its RPC implementations.
 */
export interface ServiceDefinition<
  S extends ConfigShape = ConfigShape,
  T extends Record<string, unknown> = Record<string, unknown>,
> {
  readonly name: string;
  readonly ports: ServicePorts;
  readonly config?: S;
  readonly database: { readonly schema: T; readonly migrationsFolder: string };
  /** Streams, outbox and subscriptions, when the service publishes or consumes events. */
  readonly events?: ServiceEvents<T>;
  /**
   * The service's audit table, when it keeps one: the platform runs its
   * sealer (startAuditSealer), which chains the rows appendAudit inserts.
   */
  readonly audit?: { readonly table: AuditTable };
  readonly create: (
    deps: ServiceDeps<S, T>,
  ) => ServiceRegistration[] | Promise<ServiceRegistration[]>;
}

/** defineService types a service definition; it adds nothing at runtime. */
export function defineService<S extends ConfigShape, T extends Record<string, unknown>>(
  definition: ServiceDefinition<S, T>,
): ServiceDefinition<S, T> {
  return definition;
}
