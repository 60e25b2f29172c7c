import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase } from "../../platform/db/test-database.js";
import { ensureServiceCert, type ServiceCert } from "../../platform/pki/index.js";
import { type RunningService, startService } from "../../platform/service/index.js";
import { identityService } from "../../services/identity/identity-service.js";

/** TestIdentity is the identity service running in-process for a test file. */
export interface TestIdentity {
  readonly service: RunningService;
  readonly certsDir: string;
  readonly scratch: string;
  /** The gateway's certificate, allowed by identity's public RPCs. */
  readonly gateway: ServiceCert;
  /** The real Postgres database identity runs on; undefined on PGlite. */
  readonly databaseUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * startTestIdentity starts identity with free ports and its own certs and
 * data dirs: on a fresh database of the real Postgres when TEST_DATABASE_URL
 * is set, on PGlite otherwise. `env` adds or overrides settings.
 */
export async function startTestIdentity(env: Record<string, string> = {}): Promise<TestIdentity> {
  const scratch = mkdtempSync(join(tmpdir(), "pp-identity-"));
  const certsDir = join(scratch, "certs");
  const database = process.env.TEST_DATABASE_URL ? await createTestDatabase({}) : undefined;
  const service = await startService(identityService, {
    RPC_PORT: "0",
    ADMIN_PORT: "0",
    CERTS_DIR: certsDir,
    DATA_DIR: join(scratch, "data"),
    LOG_LEVEL: "silent",
    ...(database?.url ? { DATABASE_URL: database.url } : {}),
    ...env,
  });
  const gateway = await ensureServiceCert(certsDir, { service: "gateway" });
  return {
    service,
    certsDir,
    scratch,
    gateway,
    databaseUrl: database?.url,
    async stop() {
      await service.stop();
      await database?.drop();
    },
  };
}
