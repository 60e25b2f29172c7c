import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { withTransaction } from "./with-transaction.js";

const onRealPostgres = Boolean(process.env["TEST_DATABASE_URL"]);

function pgError(code: string): Error {
  return Object.assign(new Error(`sqlstate ${code}`), { code });
}

describe("withTransaction", () => {
  let database: TestDatabase<Record<string, never>>;
  beforeAll(async () => {
    database = await createTestDatabase({});
    await database.db.execute(sql`create table tickets (id serial primary key, day int not null)`);
  });
  afterAll(() => database.drop());

  it("runs the whole transaction again after a serialization failure", async () => {
    let attempts = 0;
    const result = await withTransaction(database.db, async (tx) => {
      attempts++;
      await tx.execute(sql`insert into tickets (day) values (0)`);
      if (attempts === 1) throw pgError("40001");
      return "done";
    });
    expect(result).toBe("done");
    expect(attempts).toBe(2);
    // The failed attempt was rolled back: exactly one row was written.
    const rows = await database.db.execute(
      sql`select count(*)::int as n from tickets where day = 0`,
    );
    expect(rowsOf<{ n: number }>(rows)[0]?.n).toBe(1);
  });

  it("retries deadlocks too, and gives up after `retries` extra attempts", async () => {
    let attempts = 0;
    const failing = withTransaction(
      database.db,
      async () => {
        attempts++;
        throw pgError("40P01");
      },
      { retries: 2 },
    );
    await expect(failing).rejects.toMatchObject({ code: "40P01" });
    expect(attempts).toBe(3);
  });

  it("does not retry other errors", async () => {
    let attempts = 0;
    const failing = withTransaction(database.db, async () => {
      attempts++;
      throw pgError("23505");
    });
    await expect(failing).rejects.toMatchObject({ code: "23505" });
    expect(attempts).toBe(1);
  });

  it.runIf(onRealPostgres)(
    "recovers from a real serialization failure between two transactions",
    async () => {
      // Write skew: each transaction counts day-1 tickets, then adds one. Run
      // serially, the second sees the first's row; run concurrently under
      // SERIALIZABLE, Postgres aborts one of them with 40001.
      const bothRead = barrier(2);
      const attempts: number[] = [0, 0];
      const book = (who: 0 | 1) =>
        withTransaction(
          database.db,
          async (tx) => {
            attempts[who] = (attempts[who] ?? 0) + 1;
            const before = rowsOf<{ n: number }>(
              await tx.execute(sql`select count(*)::int as n from tickets where day = 1`),
            );
            await bothRead();
            await tx.execute(sql`insert into tickets (day) values (1)`);
            return before[0]?.n ?? -1;
          },
          { isolationLevel: "serializable" },
        );
      const seen = await Promise.all([book(0), book(1)]);
      expect(seen.sort()).toEqual([0, 1]);
      expect((attempts[0] ?? 0) + (attempts[1] ?? 0)).toBe(3);
    },
  );
});

/** barrier resolves once `n` callers wait on it, and at once after that. */
function barrier(n: number): () => Promise<void> {
  let waiting = 0;
  let release: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    waiting++;
    if (waiting >= n) release();
    return opened;
  };
}

// postgres.js returns the rows array itself; PGlite returns `{ rows }`.
function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}
