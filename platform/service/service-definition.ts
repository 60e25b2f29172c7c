import type { Logger } from "pino";
import type { ConfigShape, ConfigValues, PlatformSettings, ServicePorts } from "../config/index.js";
import type { Database } from "../db/index.js";
import type { ServiceRegistration } from "../rpc/service-registration.js";

/** ServiceDeps are what the platform hands a service's factory at boot. */
export interface ServiceDeps<S extends ConfigShape, T extends Record<string, unknown>> {
  readonly config: ConfigValues<PlatformSettings & S>;
  readonly logger: Logger;
  readonly database: Database<T>;
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
