import { fileURLToPath } from "node:url";
import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { errorCodeOf } from "../db/error-code.js";
import { runMigrations } from "../db/run-migrations.js";
import { createTestDatabase, type TestDatabase } from "../db/test-database.js";
import { withTransaction } from "../db/with-transaction.js";
import { appendAudit } from "./append-audit.js";
import { auditHash, genesisHash } from "./audit-hash.js";
import type { SealedAuditRow } from "./audit-table.js";
import * as schema from "./fixtures/schema.js";
import { sealAudit } from "./seal-audit.js";
import { verifyAuditChain } from "./verify-audit-chain.js";

const { accounts, auditLog } = schema;
const migrations = fileURLToPath(new URL("./fixtures/migrations", import.meta.url));
const postgresUrl = process.env["TEST_DATABASE_URL"];

// Every test runs on embedded PGlite, and on real Postgres when CI gives one.
const drivers = [
  { driver: "PGlite", serverUrl: "" },
  ...(postgresUrl ? [{ driver: "Postgres", serverUrl: postgresUrl }] : []),
];

describe.each(drivers)("the audit chain on $driver", ({ serverUrl }) => {
  let database: TestDatabase<typeof schema>;
  const db = () => database.db;

  beforeAll(async () => {
    database = await createTestDatabase(schema, serverUrl);
    await runMigrations(database, migrations, { service: "ledger" });
  });
  afterAll(() => database?.drop());
  // Each test starts from an empty chain: only a trigger-disabling owner may truncate.
  beforeEach(() => asOwner(sql`truncate ledger.audit_log, ledger.accounts`));

  async function asOwner(statement: ReturnType<typeof sql>) {
    await db().transaction(async (tx) => {
      await tx.execute(sql`alter table ledger.audit_log disable trigger user`);
      await tx.execute(statement);
      await tx.execute(sql`alter table ledger.audit_log enable trigger user`);
    });
  }

  // One audited change: the account row and its audit row in one transaction.
  function openAccount(id: string) {
    return withTransaction(db(), async (tx) => {
      await tx.insert(accounts).values({ accountId: id });
      return appendAudit(tx, auditLog, {
        actor: "service:test",
        action: "account.opened",
        target: `account:${id}`,
        requestId: `req-${id}`,
        details: { id, flags: { b: true, a: [1, 2.5] } },
      });
    });
  }

  // Sealed accounts a1…an: the chain the tampering tests start from.
  async function openAccounts(n: number) {
    for (let i = 1; i <= n; i++) await openAccount(`a${i}`);
    await seal();
  }

  const seal = (batchSize?: number) => sealAudit(db(), auditLog, { batchSize });
  const sealedRows = async () =>
    (await db().select().from(auditLog).orderBy(asc(auditLog.seq))) as SealedAuditRow[];
  const noBacklog = { unsealed: 0, oldestMs: 0 };

  function verify(options?: Parameters<typeof verifyAuditChain>[2]) {
    return verifyAuditChain(db(), auditLog, options);
  }

  it("seals rows appended from parallel transactions into one chain without gaps", async () => {
    const appended = await Promise.all(Array.from({ length: 40 }, (_, i) => openAccount(`p${i}`)));
    expect(appended.map((row) => [row.seq, row.prevHash, row.hash])).toEqual(
      Array(40).fill([null, null, null]),
    );
    // Batches of 15 make sealing continue from a head it sealed itself.
    expect(await seal(15)).toBe(40);
    const rows = await sealedRows();
    expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(rows[0]!.prevHash).toBe(genesisHash);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    // Small batches make the walk cross page boundaries.
    expect(await verify({ batchSize: 7 })).toEqual({
      ok: true,
      rows: 40,
      head: { seq: 40, hash: rows[39]!.hash },
      unsealed: noBacklog,
    });
    expect(await seal()).toBe(0);
  });

  it.runIf(serverUrl)(
    "lets audited transactions append without waiting for each other",
    async () => {
      // Each transaction appends, then stays open until both have appended:
      // with a chain lock taken at append, the second would wait for the
      // first's commit, which waits for the second, until the test timed out.
      let bothAppended = () => {};
      const barrier = new Promise<void>((resolve) => {
        bothAppended = resolve;
      });
      let appends = 0;
      const append = (id: string) =>
        withTransaction(db(), async (tx) => {
          await tx.insert(accounts).values({ accountId: id });
          await appendAudit(tx, auditLog, { actor: "anonymous", action: "account.opened" });
          if (++appends === 2) bothAppended();
          await barrier;
        });
      await Promise.all([append("w1"), append("w2")]);
      expect(await seal()).toBe(2);
      expect(await verify()).toMatchObject({ ok: true, rows: 2 });
    },
  );

  it("leaves unsealed rows out of the chain, and counts them", async () => {
    await openAccounts(2);
    await openAccount("late1");
    await openAccount("late2");
    const report = await verify();
    expect(report).toMatchObject({ ok: true, rows: 2, head: { seq: 2 } });
    expect(report.unsealed.unsealed).toBe(2);
    expect(report.unsealed.oldestMs).toBeGreaterThanOrEqual(0);
    expect(report.unsealed.oldestMs).toBeLessThan(60_000);
    expect(await seal()).toBe(2);
    expect(await verify()).toMatchObject({ ok: true, rows: 4, unsealed: noBacklog });
  });

  it("stores what it hashed: a sealed row hashes to its hash", async () => {
    const appended = await openAccount("r1");
    await seal();
    const [stored] = (await db()
      .select()
      .from(auditLog)
      .where(eq(auditLog.id, appended.id))) as SealedAuditRow[];
    expect(stored).toEqual({ ...appended, seq: 1, prevHash: genesisHash, hash: stored!.hash });
    expect(auditHash(stored!)).toBe(stored!.hash);
    expect(stored).toMatchObject({ outcome: "success", target: "account:r1", requestId: "req-r1" });
  });

  it("reports an empty chain as ok with no head", async () => {
    expect(await verify()).toEqual({ ok: true, rows: 0, head: undefined, unsealed: noBacklog });
  });

  it("leaves no audit row when the audited transaction rolls back", async () => {
    await openAccount("dup");
    const retried = openAccount("dup"); // primary key violation after the append
    await expect(retried).rejects.toThrow();
    expect(await db().select().from(auditLog)).toHaveLength(1);
    const failedInsideAppend = withTransaction(db(), async (tx) => {
      await appendAudit(tx, auditLog, { actor: "anonymous", action: "account.opened" });
      throw new Error("the audited change failed");
    });
    await expect(failedInsideAppend).rejects.toThrow("the audited change failed");
    expect(await seal()).toBe(1);
    expect(await verify()).toMatchObject({ ok: true, rows: 1, unsealed: noBacklog });
  });

  async function refusal(statement: ReturnType<typeof sql>): Promise<string | undefined> {
    return db()
      .execute(statement)
      .then(
        () => undefined,
        (e: unknown) => errorCodeOf(e),
      );
  }

  it("refuses UPDATE, DELETE and TRUNCATE of sealed rows in the database", async () => {
    await openAccounts(2);
    const statements = [
      sql`update ledger.audit_log set actor = 'user:evil' where seq = 1`,
      sql`update ledger.audit_log set seq = null, prev_hash = null, hash = null where seq = 2`,
      sql`update ledger.audit_log set hash = prev_hash where seq = 2`,
      sql`delete from ledger.audit_log where seq = 2`,
      sql`truncate ledger.audit_log`,
    ];
    for (const statement of statements) expect(await refusal(statement)).toBe("42501");
    expect(await verify()).toMatchObject({ ok: true, rows: 2 });
  });

  it("lets an unsealed row be sealed, and nothing else", async () => {
    await openAccount("u1");
    const unsealed = sql`where seq is null`;
    const statements = [
      sql`update ledger.audit_log set details = '{}' ${unsealed}`,
      sql`update ledger.audit_log set time = time - interval '1 day' ${unsealed}`,
      sql`update ledger.audit_log set seq = 1 ${unsealed}`,
      sql`update ledger.audit_log set seq = 1, prev_hash = 'a', hash = 'b', actor = 'x' ${unsealed}`,
      sql`delete from ledger.audit_log ${unsealed}`,
    ];
    for (const statement of statements) expect(await refusal(statement)).toBe("42501");
    // Sealing is the one UPDATE allowed (here with a wrong hash, which verify finds).
    expect(
      await refusal(
        sql`update ledger.audit_log set seq = 1, prev_hash = 'a', hash = 'b' ${unsealed}`,
      ),
    ).toBeUndefined();
    expect(await verify()).toMatchObject({ ok: false, brokenAt: 1, problem: "prev_hash_mismatch" });
  });

  it("refuses an INSERT of a row that claims a place in the chain", async () => {
    await openAccounts(1);
    const [head] = await db().select().from(auditLog).where(eq(auditLog.seq, 1));
    const statements = [
      sql`insert into ledger.audit_log (time, actor, action, target, outcome, details, seq, prev_hash, hash)
        values (now(), 'user:evil', 'account.closed', 'account:a1', 'ok', '{}', 2, ${head!.hash}, 'f00d')`,
      sql`insert into ledger.audit_log (time, actor, action, target, outcome, details, seq)
        values (now(), 'user:evil', 'account.closed', 'account:a1', 'ok', '{}', 2)`,
      sql`insert into ledger.audit_log (time, actor, action, target, outcome, details, hash)
        values (now(), 'user:evil', 'account.closed', 'account:a1', 'ok', '{}', 'f00d')`,
    ];
    for (const statement of statements) expect(await refusal(statement)).toBe("42501");
    // An unsealed row is still welcome: the sealer gives it its place.
    await openAccount("a2");
    await seal();
    expect(await verify()).toMatchObject({ ok: true, rows: 2 });
  });

  it("finds a changed row by its hash", async () => {
    await openAccounts(5);
    await asOwner(sql`update ledger.audit_log set details = '{"id":"a3"}' where seq = 3`);
    expect(await verify()).toEqual({
      ok: false,
      rows: 2,
      brokenAt: 3,
      problem: "hash_mismatch",
      reason: "hash mismatch (row changed)",
      unsealed: noBacklog,
    });
  });

  it("finds a deleted row by the gap it leaves", async () => {
    await openAccounts(5);
    await asOwner(sql`delete from ledger.audit_log where seq in (2, 3)`);
    expect(await verify()).toMatchObject({
      ok: false,
      brokenAt: 2,
      problem: "seq_gap",
      reason: "seq 2–3 missing (rows deleted)",
    });
  });

  it("finds a deleted row when the rows after it were renumbered", async () => {
    await openAccounts(5);
    await asOwner(sql`delete from ledger.audit_log where seq = 1`);
    await asOwner(sql`update ledger.audit_log set seq = seq - 1`);
    expect(await verify()).toMatchObject({ ok: false, brokenAt: 1, problem: "prev_hash_mismatch" });
  });

  it("needs a recorded anchor to find a rewritten chain or a deleted tail", async () => {
    await openAccounts(4);
    const recorded = await verify();
    if (!recorded.ok || recorded.head === undefined) throw new Error("expected a valid chain");
    const anchor = recorded.head;
    // Whoever can write the table can also rehash everything after a change…
    await rewriteFrom(2, { reason: "forged" });
    expect(await verify()).toMatchObject({ ok: true, rows: 4 });
    expect(await verify({ anchor })).toMatchObject({
      ok: false,
      brokenAt: 4,
      problem: "anchor_mismatch",
    });
    // …or delete the newest rows, which leaves a shorter valid chain.
    await asOwner(sql`delete from ledger.audit_log where seq >= 3`);
    expect(await verify()).toMatchObject({ ok: true, rows: 2 });
    expect(await verify({ anchor })).toMatchObject({
      ok: false,
      brokenAt: 3,
      problem: "anchor_missing",
    });
  });

  // The forger's tool: change row `from`'s details, then recompute every hash after it.
  async function rewriteFrom(from: number, details: Record<string, string>) {
    const rows = await sealedRows();
    let prevHash = rows[from - 2]?.hash ?? genesisHash;
    for (const row of rows.slice(from - 1)) {
      const forged = { ...row, prevHash, details: row.seq === from ? details : row.details };
      prevHash = auditHash(forged);
      await asOwner(
        sql`update ledger.audit_log set details = ${JSON.stringify(forged.details)}::jsonb,
            prev_hash = ${forged.prevHash}, hash = ${prevHash} where seq = ${row.seq}`,
      );
    }
  }
});
