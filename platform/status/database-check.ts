import type { Database } from "../db/index.js";
import { error, errorMessage, ok, round1, type StatusCheck, warn } from "./status-check.js";

/** DatabaseCheckOptions tune the `database` subsystem. */
export interface DatabaseCheckOptions {
  /** A ping slower than this is WARN: the database answers, but queries will be slow. */
  readonly slowMs: number;
}

/**
 * createDatabaseCheck pings the service's database (`select 1`): ERROR when
 * the ping fails, WARN when it is slower than `slowMs`. Metrics:
 * `latency_ms` and `kind` (postgres or pglite).
 */
export function createDatabaseCheck(
  database: Pick<Database, "ping" | "kind">,
  options: DatabaseCheckOptions,
): StatusCheck {
  return {
    subsystem: "database",
    async run() {
      const startedAt = performance.now();
      try {
        await database.ping();
      } catch (err) {
        return error(`ping failed: ${errorMessage(err)}`, { kind: database.kind });
      }
      const latency = round1(performance.now() - startedAt);
      const metrics = { latency_ms: latency, kind: database.kind };
      if (latency > options.slowMs) {
        return warn(`ping took ${latency} ms (slow above ${options.slowMs} ms)`, metrics);
      }
      return ok(metrics);
    },
  };
}
