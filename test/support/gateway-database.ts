import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase } from "../../platform/db/test-database.js";

/** GatewayDatabase is a test gateway's own database: env vars to start it with, and cleanup. */
export interface GatewayDatabase {
  /** `DATABASE_URL`, or `DATA_DIR` for embedded PGlite. */
  readonly env: Readonly<Record<string, string>>;
  /** Deletes the database; call after the gateway stopped. */
  remove(): Promise<void>;
}

/**
 * createGatewayDatabase gives a test gateway its own database (idempotency
 * keys): a fresh database on the real Postgres when TEST_DATABASE_URL is
 * set, else a temporary DATA_DIR for PGlite. Never the default
 * `.data/gateway`: PGlite files belong to one process, and test files run
 * side by side.
 */
export async function createGatewayDatabase(): Promise<GatewayDatabase> {
  if (process.env.TEST_DATABASE_URL) {
    const database = await createTestDatabase({});
    return { env: { DATABASE_URL: database.url! }, remove: () => database.drop() };
  }
  const dir = gatewayDataDir();
  return {
    env: { DATA_DIR: dir },
    remove: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** gatewayDataDir is a fresh temporary DATA_DIR for one gateway's PGlite. */
export function gatewayDataDir(): string {
  return mkdtempSync(join(tmpdir(), "pp-gateway-"));
}
