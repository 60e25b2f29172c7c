import { ConfigError, type ConfigShape, formatProblems } from "../config/index.js";
import type { ServiceDefinition } from "./service-definition.js";
import { startService } from "./start-service.js";

/**
 * runService is a service's `main`: start it, exit 1 naming every config
 * problem if the environment is wrong, and drain on SIGTERM/SIGINT before
 * exiting 0.
 */
export async function runService<S extends ConfigShape, T extends Record<string, unknown>>(
  def: ServiceDefinition<S, T>,
): Promise<void> {
  try {
    const service = await startService(def);
    const onSignal = (signal: NodeJS.Signals) => {
      service.logger.info({ signal }, "shutdown requested");
      service.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          service.logger.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${formatProblems(err.problems)}\n`);
    } else {
      process.stderr.write(
        `${def.name} failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
      );
    }
    process.exit(1);
  }
}
