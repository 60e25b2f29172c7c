import { Code, ConnectError } from "@connectrpc/connect";
import { sql } from "drizzle-orm";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "./create-database.js";
import { mapDbError } from "./map-db-error.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

const onRealPostgres = Boolean(process.env["TEST_DATABASE_URL"]);

function pgError(code: string): Error {
  return Object.assign(new Error(`server said ${code}`), { code });
}

describe("mapDbError", () => {
  it.each([
    ["23505", Code.AlreadyExists],
    ["23503", Code.FailedPrecondition],
    ["23514", Code.InvalidArgument],
    ["22P02", Code.InvalidArgument],
    ["22001", Code.InvalidArgument],
    ["57014", Code.DeadlineExceeded],
    ["40001", Code.Aborted],
    ["40P01", Code.Aborted],
    ["08006", Code.Unavailable],
    ["57P01", Code.Unavailable],
    ["57P03", Code.Unavailable],
    ["ECONNREFUSED", Code.Unavailable],
    ["ECONNRESET", Code.Unavailable],
    ["CONNECTION_CLOSED", Code.Unavailable],
    ["CONNECT_TIMEOUT", Code.Unavailable],
    ["42P01", Code.Internal],
  ])("maps %s to code %s", (sqlState, code) => {
    expect(mapDbError(pgError(sqlState)).code).toBe(code);
  });

  it("reports any error that ends the session (FATAL) as UNAVAILABLE", () => {
    // What a database with allow_connections = false answers a new connection.
    const refused = Object.assign(pgError("55000"), { severity: "FATAL" });
    expect(mapDbError(new DrizzleQueryError("select 1", [], refused)).code).toBe(Code.Unavailable);
    expect(mapDbError(Object.assign(pgError("55000"), { severity: "ERROR" })).code).toBe(
      Code.Internal,
    );
  });

  it("looks through drizzle's DrizzleQueryError to the driver error", () => {
    const wrapped = new DrizzleQueryError("insert …", [], pgError("23505"));
    expect(mapDbError(wrapped).code).toBe(Code.AlreadyExists);
  });

  it("uses the caller's message and never the database's", () => {
    const err = mapDbError(pgError("23505"), {
      alreadyExists: "a user with this email already exists",
    });
    expect(err.rawMessage).toBe("a user with this email already exists");
    expect(mapDbError(pgError("22P02")).rawMessage).not.toContain("server said");
  });

  it("keeps unknown errors as the cause of a fixed INTERNAL error", () => {
    const original = new TypeError("boom");
    const err = mapDbError(original);
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toBe("internal error");
    expect(err.cause).toBe(original);
  });

  it("passes a ConnectError through unchanged", () => {
    const notFound = new ConnectError("user not found", Code.NotFound);
    expect(mapDbError(notFound)).toBe(notFound);
  });
});

describe("mapDbError on real driver errors", () => {
  let database: TestDatabase<Record<string, never>>;
  beforeAll(async () => {
    database = await createTestDatabase({});
    await database.db.execute(sql`create table t (id int primary key, n int check (n > 0))`);
  });
  afterAll(() => database.drop());

  async function failureOf(query: Promise<unknown>): Promise<ConnectError> {
    return mapDbError(
      await query.then(
        () => expect.unreachable(),
        (err: unknown) => err,
      ),
    );
  }

  it("reports a unique violation as ALREADY_EXISTS", async () => {
    await database.db.execute(sql`insert into t values (1, 1)`);
    const err = await failureOf(database.db.execute(sql`insert into t values (1, 1)`));
    expect(err.code).toBe(Code.AlreadyExists);
  });

  it("reports a check violation and a bad value as INVALID_ARGUMENT", async () => {
    expect((await failureOf(database.db.execute(sql`insert into t values (2, -1)`))).code).toBe(
      Code.InvalidArgument,
    );
    expect((await failureOf(database.db.execute(sql`select ${"x"}::uuid`))).code).toBe(
      Code.InvalidArgument,
    );
  });

  it.runIf(onRealPostgres)("reports a statement timeout as DEADLINE_EXCEEDED", async () => {
    const query = database.db.transaction(async (tx) => {
      await tx.execute(sql`set local statement_timeout = 50`);
      await tx.execute(sql`select pg_sleep(2)`);
    });
    expect((await failureOf(query)).code).toBe(Code.DeadlineExceeded);
  });
});

describe("mapDbError on an unreachable server", () => {
  it("reports a refused connection as UNAVAILABLE", async () => {
    // Port 1 on loopback: nothing listens there, so the connect is refused at once.
    const database = await createDatabase({
      url: "postgres://nobody@127.0.0.1:1/none",
      dataDir: "",
      schema: {},
    });
    const err = await database.ping().then(() => expect.unreachable(), mapDbError);
    expect(err.code).toBe(Code.Unavailable);
    await database.close();
  });
});
