import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMigrations } from "../db/run-migrations.js";
import { createTestDatabase, type TestDatabase } from "../db/test-database.js";
import { withTransaction } from "../db/with-transaction.js";
import { appendAudit } from "./append-audit.js";
import { auditHash, genesisHash } from "./audit-hash.js";
import * as schema from "./fixtures/schema.js";
import { sealAudit } from "./seal-audit.js";
import { verifyAuditChain } from "./verify-audit-chain.js";

const migrations = fileURLToPath(new URL("./fixtures/migrations", import.meta.url));
const postgresUrl = process.env["TEST_DATABASE_URL"];
const drivers = [
  { driver: "PGlite", serverUrl: "" },
  ...(postgresUrl ? [{ driver: "Postgres", serverUrl: postgresUrl }] : []),
];

// The fixture's migrations as released before sealing: the journal's first entry only.
async function migrationsBeforeSealing(dir: string): Promise<string> {
  await cp(migrations, dir, { recursive: true });
  const journalPath = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalPath, "utf8"));
  journal.entries = journal.entries.slice(0, 1);
  await writeFile(journalPath, JSON.stringify(journal));
  return dir;
}

// A row as the locking appendAudit wrote it: chained at insert.
function chainedRow(seq: number, prevHash: string) {
  const row = {
    seq,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
    actor: "service:old",
    action: "account.opened",
    target: `account:old${seq}`,
    outcome: "success" as const,
    requestId: null,
    details: { n: seq },
    prevHash,
  };
  return { ...row, hash: auditHash(row) };
}

describe.each(drivers)("upgrading an audit table to sealing on $driver", ({ serverUrl }) => {
  let database: TestDatabase<typeof schema>;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "pp-audit-upgrade-"));
    database = await createTestDatabase(schema, serverUrl);
  });
  afterAll(async () => {
    await database?.drop();
    await rm(scratch, { recursive: true, force: true });
  });

  it("keeps the chain written before, and continues it", async () => {
    const before = await migrationsBeforeSealing(scratch);
    await runMigrations(database, before, { service: "ledger" });
    const first = chainedRow(1, genesisHash);
    const second = chainedRow(2, first.hash);
    for (const row of [first, second]) {
      await database.db.execute(sql`insert into ledger.audit_log
        (seq, time, actor, action, target, outcome, request_id, details, prev_hash, hash)
        values (${row.seq}, ${row.time.toISOString()}, ${row.actor}, ${row.action}, ${row.target},
          ${row.outcome}, null, ${JSON.stringify(row.details)}::text::jsonb, ${row.prevHash}, ${row.hash})`);
    }

    await runMigrations(database, migrations, { service: "ledger" });
    expect(await verifyAuditChain(database.db, schema.auditLog)).toMatchObject({
      ok: true,
      rows: 2,
      head: { seq: 2, hash: second.hash },
    });
    await withTransaction(database.db, (tx) =>
      appendAudit(tx, schema.auditLog, { actor: "service:new", action: "account.opened" }),
    );
    expect(await sealAudit(database.db, schema.auditLog)).toBe(1);
    expect(await verifyAuditChain(database.db, schema.auditLog)).toMatchObject({
      ok: true,
      rows: 3,
    });
    const refused = database.db
      .execute(sql`update ledger.audit_log set actor = 'x' where seq = 1`)
      .then(
        () => "updated",
        () => "refused",
      );
    expect(await refused).toBe("refused");
  });
});
