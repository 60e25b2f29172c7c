/**
 * Entry point of the REST/JSON gateway: `node --import tsx gateway/main.ts`.
 * Exits 1 naming every config problem; on SIGTERM/SIGINT drains and exits 0.
 */
import { ConfigError, formatProblems } from "../platform/config/index.js";
import { startGateway } from "./start-gateway.js";

try {
  const gateway = await startGateway();
  const onSignal = (signal: NodeJS.Signals) => {
    gateway.logger.info({ signal }, "shutdown requested");
    gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        gateway.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
} catch (err) {
  process.stderr.write(
    err instanceof ConfigError
      ? `${formatProblems(err.problems)}\n`
      : `gateway failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
}
