import { context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { eq, sql } from "drizzle-orm";
import { pgTable, text } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { statementsUnder, traceQueries } from "./trace-queries.js";

const items = pgTable("traced_items", { id: text("id").primaryKey(), email: text("email") });
const schema = { items };
const SECRET = "ada.secret@example.com";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("test");
let database: TestDatabase<typeof schema>;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  database = await createTestDatabase(schema);
  traceQueries(database.db, { tracer, namespace: "shop" });
  await database.db.execute(sql`create table traced_items (id text primary key, email text)`);
});
afterAll(async () => {
  await database?.drop();
  context.disable();
});
beforeEach(() => exporter.reset());

// Runs fn in a parent span, as a handler runs in its RPC's server span.
async function inRequest<T>(fn: () => Promise<T>): Promise<string> {
  const parent = tracer.startSpan("request");
  await context.with(trace.setSpan(ROOT_CONTEXT, parent), fn);
  parent.end();
  return parent.spanContext().spanId;
}

const queries = () => exporter.getFinishedSpans().filter((s) => s.name !== "request");

describe("traceQueries", () => {
  it("makes each statement a client span with its text and placeholders, never its values", async () => {
    const parentId = await inRequest(async () => {
      await database.db.insert(items).values({ id: "a", email: SECRET });
      await database.db.select().from(items).where(eq(items.email, SECRET));
    });
    const [insert, select] = queries();
    expect(insert?.name).toBe("INSERT traced_items");
    expect(insert?.attributes).toEqual({
      "db.system.name": "postgresql",
      "db.namespace": "shop",
      "db.operation.name": "INSERT",
      "db.collection.name": "traced_items",
      "db.query.text": 'insert into "traced_items" ("id", "email") values ($1, $2)',
    });
    expect(select?.name).toBe("SELECT traced_items");
    expect(select?.attributes["db.query.text"]).toMatch(/where "traced_items"."email" = \$1$/);
    for (const span of queries()) expect(span.parentSpanContext?.spanId).toBe(parentId);
    expect(JSON.stringify(queries().map((s) => [s.attributes, s.events]))).not.toContain(SECRET);
  });

  it("follows transactions, savepoints and raw SQL", async () => {
    await inRequest(() =>
      database.db.transaction(async (tx) => {
        await tx.update(items).set({ email: "b@example.com" }).where(eq(items.id, "a"));
        await tx.transaction(async (inner) => {
          await inner.execute(sql`select count(*) from traced_items where email <> ${SECRET}`);
        });
      }),
    );
    const names = queries().map((s) => s.name);
    // PGlite's savepoints are statements drizzle sends; postgres.js sends its own.
    expect(names.filter((n) => !/^(SAVEPOINT|RELEASE)$/.test(n))).toEqual([
      "UPDATE traced_items",
      "SELECT traced_items",
    ]);
    expect(
      queries().find((s) => s.name === "SELECT traced_items")?.attributes["db.query.text"],
    ).toBe("select count(*) from traced_items where email <> $1");
  });

  it("records a failure's SQLSTATE, not its message, which quotes the values", async () => {
    await inRequest(() =>
      database.db
        .insert(items)
        .values({ id: "a", email: SECRET })
        .catch(() => {}),
    );
    const [failed] = queries();
    expect(failed?.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(failed?.status.message).toBeUndefined();
    expect(failed?.attributes).toMatchObject({
      "db.response.status_code": "23505",
      "error.type": "23505",
    });
    expect(JSON.stringify([failed?.attributes, failed?.events])).not.toContain(SECRET);
  });

  it("hangs the statements of statementsUnder's view under its span, whatever is active", async () => {
    const parent = tracer.startSpan("request");
    const view = statementsUnder(database.db, parent);
    await inRequest(() => view.select().from(items));
    await view.insert(items).values({ id: "v", email: "v@example.com" });
    // The database itself is untouched: outside any span, no span.
    await database.db.select().from(items);
    parent.end();
    expect(queries().map((s) => [s.name, s.parentSpanContext?.spanId])).toEqual([
      ["SELECT traced_items", parent.spanContext().spanId],
      ["INSERT traced_items", parent.spanContext().spanId],
    ]);
    expect(statementsUnder(database.db, undefined)).toBe(database.db);
  });

  it("makes no span for statements outside any span (polling, migrations)", async () => {
    await database.db.select().from(items);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
