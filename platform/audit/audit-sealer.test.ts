import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMigrations } from "../db/run-migrations.js";
import { createTestDatabase, type TestDatabase } from "../db/test-database.js";
import { withTransaction } from "../db/with-transaction.js";
import { createLogger } from "../log/index.js";
import { appendAudit } from "./append-audit.js";
import { startAuditSealer } from "./audit-sealer.js";
import * as schema from "./fixtures/schema.js";
import { verifyAuditChain } from "./verify-audit-chain.js";

const migrations = fileURLToPath(new URL("./fixtures/migrations", import.meta.url));
const postgresUrl = process.env["TEST_DATABASE_URL"];
const drivers = [
  { driver: "PGlite", serverUrl: "" },
  ...(postgresUrl ? [{ driver: "Postgres", serverUrl: postgresUrl }] : []),
];
const logger = createLogger({ service: "ledger", level: "silent" });

describe.each(drivers)("the audit sealer on $driver", ({ serverUrl }) => {
  let database: TestDatabase<typeof schema>;

  beforeAll(async () => {
    database = await createTestDatabase(schema, serverUrl);
    await runMigrations(database, migrations, { service: "ledger" });
  });
  afterAll(() => database?.drop());

  const append = (action: string) =>
    withTransaction(database.db, (tx) =>
      appendAudit(tx, schema.auditLog, { actor: "service:test", action }),
    );
  const chain = () => verifyAuditChain(database.db, schema.auditLog);
  const start = (timing: { sweepMs: number; debounceMs?: number }) =>
    startAuditSealer({ db: database.db, table: schema.auditLog, logger, ...timing });

  async function until(condition: () => Promise<boolean>, ms: number): Promise<number> {
    const started = Date.now();
    while (!(await condition())) {
      if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return Date.now() - started;
  }

  it("seals appended rows soon after they commit, woken by the append", async () => {
    // A sweep far away: only the append's wake-up can seal in time.
    const sealer = start({ sweepMs: 60_000 });
    try {
      const before = (await chain()).rows;
      await Promise.all([append("a.one"), append("a.two"), append("a.three")]);
      await until(async () => (await sealer.backlog()).unsealed === 0, 1_000);
      expect(await chain()).toMatchObject({ ok: true, rows: before + 3 });
    } finally {
      await sealer.stop();
    }
  });

  it("sweeps up rows it was not woken for, and drains on stop", async () => {
    const sealer = start({ sweepMs: 50, debounceMs: 60_000 });
    const before = (await chain()).rows;
    await append("b.swept");
    await until(async () => (await sealer.backlog()).unsealed === 0, 1_000);
    expect((await chain()).rows).toBe(before + 1);
    await sealer.stop();

    const idle = start({ sweepMs: 60_000, debounceMs: 60_000 });
    await append("b.drained");
    expect(await idle.backlog()).toMatchObject({ unsealed: 1 });
    await idle.stop();
    expect(await chain()).toMatchObject({ ok: true, rows: before + 2, unsealed: { unsealed: 0 } });
  });
});
