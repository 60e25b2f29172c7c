import { ConnectError } from "@connectrpc/connect";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapDbError } from "../db/map-db-error.js";
import { createTestDatabase, type TestDatabase } from "../db/test-database.js";
import { createLogger } from "./create-logger.js";
import { createLogCapture } from "./log-capture.js";

// A failed statement, as the platform's database (Postgres with
// TEST_DATABASE_URL, else PGlite) throws it: drizzle's DrizzleQueryError,
// whose message and `params` carry the values, around the driver's error,
// whose `detail` quotes the conflicting row.
let database: TestDatabase<Record<string, never>>;
const email = "alice@example.com";
const hash = "$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0c2FsdA$aGFzaGhhc2g";

beforeAll(async () => {
  database = await createTestDatabase({});
  await database.db.execute(
    sql`create table accounts (email text primary key, password_hash text not null)`,
  );
  await database.db.execute(sql`insert into accounts values (${email}, ${hash})`);
});
afterAll(() => database.drop());

async function failedInsert(): Promise<unknown> {
  return database.db.execute(sql`insert into accounts values (${email}, ${hash})`).then(
    () => expect.fail("the duplicate insert succeeded"),
    (err: unknown) => err,
  );
}

function logged(fields: Record<string, unknown>) {
  const capture = createLogCapture();
  createLogger({ service: "t", level: "info", destination: capture.stream }).error(
    fields,
    "failed",
  );
  return { text: capture.text(), err: capture.lines()[0]!["err"] as Record<string, unknown> };
}

describe("the err serializer", () => {
  it("logs a failed statement's SQL and its cause, never its values", async () => {
    const err = await failedInsert();
    // The raw error does carry them: what this serializer is for.
    expect(String((err as Error).message)).toContain(email);

    const { text, err: line } = logged({ err });
    expect(text).not.toContain(email);
    expect(text).not.toContain(hash);
    expect(text).not.toContain("alice");
    expect(line["message"]).toMatch(/^Failed query: insert into accounts values \(\$1, \$2\)/);
    expect(line["stack"]).toMatch(/^Error: Failed query: insert into accounts/);
    expect(line["stack"]).toContain("caused by:");
    expect(line["stack"]).toMatch(/\n {4}at /);
    expect(line["type"]).toBe("DrizzleQueryError");
    expect(line["query"]).toBe("insert into accounts values ($1, $2)");
    expect(line).not.toHaveProperty("params");
    // The original error is untouched: the caller may still use it.
    expect((err as { params: unknown[] }).params).toEqual([email, hash]);
  });

  it("cleans the whole cause chain, as the RPC layer logs a mapped error", async () => {
    const mapped = mapDbError(await failedInsert(), {});
    expect(mapped).toBeInstanceOf(ConnectError);
    const outer = new Error("saving the idempotent response failed", { cause: mapped });
    const { text, err: line } = logged({ err: outer });
    expect(text).not.toContain(email);
    expect(text).not.toContain(hash);
    expect(line["message"]).toContain("saving the idempotent response failed");
    expect(line["message"]).toContain("Failed query: insert into accounts");
  });

  it("drops the detail of a driver error that quotes a row", () => {
    const driver = Object.assign(new Error("duplicate key value violates unique constraint"), {
      code: "23505",
      constraint: "accounts_pkey",
      detail: `Key (email)=(${email}) already exists.`,
    });
    const { text, err: line } = logged({ err: new AggregateError([driver], "batch failed") });
    expect(text).not.toContain(email);
    const [inner] = line["aggregateErrors"] as Record<string, unknown>[];
    expect(inner).toMatchObject({ code: "23505", constraint: "accounts_pkey" });
    expect(inner).not.toHaveProperty("detail");
  });

  it("leaves other errors as pino's standard serializer writes them", () => {
    const plain = Object.assign(new Error("boom"), { code: "E_BOOM" });
    const { err: line } = logged({ err: plain });
    expect(line).toMatchObject({ type: "Error", message: "boom", code: "E_BOOM" });
    expect(line["stack"]).toBe(plain.stack);
  });
});
