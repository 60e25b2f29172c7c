import { ConfigError } from "./config-error.js";
import type { ConfigShape, ConfigValues } from "./define-config.js";
import { loadConfig } from "./load-config.js";

/**
 * loadConfigOrExit loads config for an entry point: on a {@link ConfigError}
 * it prints every problem to stderr and exits with status 1, so orchestrators
 * see a crash loop with the reason in the container log. Other errors are
 * bugs and propagate.
 */
export function loadConfigOrExit<D extends ConfigShape>(
  def: D,
  vars: NodeJS.ProcessEnv = process.env,
): ConfigValues<D> {
  try {
    return loadConfig(def, vars);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // stderr is synchronous for files and pipes on POSIX, so the message is
    // written before exit.
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
