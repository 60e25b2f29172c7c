import {
  type Attributes,
  context,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { endSpan, errorTypeOf } from "../tracing/end-span.js";
import { attr } from "../tracing/semconv.js";
import { childSpanStarter, type StartChildSpan } from "../tracing/start-child-span.js";
import type { AppDatabase } from "./create-database.js";
import { errorCodeOf } from "./error-code.js";

/** QueryTracing says what every statement's span records besides its text. */
export interface QueryTracing {
  readonly tracer: Tracer;
  /** `db.namespace`: the database name. */
  readonly namespace: string;
}

// drizzle's internals, as far as this module relies on them: every
// statement (query builder, relational API, `db.execute`, in and out of
// transactions) is prepared by a session's `prepareQuery` and run by the
// prepared query's `execute` or `all`; a transaction gets a new session.
interface PreparedQuery {
  execute(...args: unknown[]): Promise<unknown>;
  all(...args: unknown[]): Promise<unknown>;
  getQuery(): { sql: string };
}
interface Session {
  prepareQuery(this: Session, ...args: unknown[]): PreparedQuery;
  transaction(fn: (tx: Transaction) => unknown, config?: unknown): Promise<unknown>;
}
interface Transaction {
  readonly _: { readonly session: Session };
  transaction(fn: (tx: Transaction) => unknown): Promise<unknown>;
}
// The query builders (`db.select()`, `insert`, `update`, `delete`) take
// the database's `session` property.
interface BuilderSource {
  readonly session: Session;
}

/**
 * traceQueries makes every SQL statement run through `db` a CLIENT span,
 * on either driver: named like `SELECT identity.users`, with
 * `db.system.name`, `db.namespace` and `db.query.text`, the statement as
 * drizzle sends it, with `$1` placeholders. Parameter values are never
 * recorded (they are the users' data), nor are error messages, which
 * quote them; a failure records its SQLSTATE. Statements run outside any
 * span (the outbox relay's polling, migrations) are not traced: a root
 * span per poll would bury the traces worth reading.
 *
 * The seam is drizzle's session, patched on this handle only: its
 * `prepareQuery` (every statement is prepared) and `transaction` (which
 * opens a new session, patched in turn, savepoints included).
 */
export function traceQueries<TSchema extends Record<string, unknown>>(
  db: AppDatabase<TSchema>,
  tracing: QueryTracing,
): AppDatabase<TSchema> {
  traceSession((db as unknown as Transaction)._.session, tracing);
  return db;
}

/**
 * statementsUnder is a view of a `db` passed through traceQueries whose
 * query-builder statements (`select`, `insert`, `update`, `delete`) are
 * children of `parent`, whatever the active context: for a process that
 * registers no context manager (the gateway, see TracingOptions.asyncContext).
 * Transactions and the relational API are not covered: theirs find their
 * parent in the context. `db` itself is returned when there is no parent
 * or it is not traced.
 */
export function statementsUnder<TSchema extends Record<string, unknown>>(
  db: AppDatabase<TSchema>,
  parent: Span | undefined,
): AppDatabase<TSchema> {
  const base = (db as unknown as BuilderSource).session;
  const entry = parent && traced.get(base);
  if (entry === undefined) return db;
  const session = Object.create(base) as Session;
  session.prepareQuery = function (this: Session, ...args) {
    return traceStatement(entry.prepare.apply(this, args), entry.tracing, parent);
  };
  return Object.create(db, { session: { value: session } }) as AppDatabase<TSchema>;
}

interface TracedSession {
  /** The session's own prepareQuery, before traceQueries wrapped it. */
  readonly prepare: Session["prepareQuery"];
  readonly tracing: StatementTracing;
}

interface StatementTracing extends QueryTracing {
  readonly startChild: StartChildSpan;
}

// Sessions already patched: a savepoint reuses its transaction's session
// on some drivers (PGlite).
const traced = new WeakMap<Session, TracedSession>();

function traceSession(session: Session, options: QueryTracing): void {
  if (traced.has(session)) return;
  const tracing = { ...options, startChild: childSpanStarter(options.tracer) };
  const prepare = session.prepareQuery;
  traced.set(session, { prepare, tracing });
  session.prepareQuery = function (this: Session, ...args) {
    return traceStatement(prepare.apply(this, args), tracing, undefined);
  };
  const transaction = session.transaction;
  session.transaction = function (this: Session, fn, config) {
    return transaction.call(this, (tx) => fn(traceTransaction(tx, tracing)), config);
  };
}

function traceTransaction(tx: Transaction, tracing: StatementTracing): Transaction {
  traceSession(tx._.session, tracing);
  const nested = tx.transaction;
  tx.transaction = function (this: Transaction, fn) {
    return nested.call(this, (inner) => fn(traceTransaction(inner, tracing)));
  };
  return tx;
}

// A statement's span hangs under `parent` when given, else under the
// active span; with neither, the statement is not traced.
function traceStatement(
  prepared: PreparedQuery,
  tracing: StatementTracing,
  parent: Span | undefined,
): PreparedQuery {
  const statement = describe(prepared.getQuery().sql, tracing.namespace);
  const { execute, all } = prepared;
  prepared.execute = function (this: PreparedQuery, ...args) {
    return inSpan(tracing, statement, parent, () => execute.apply(this, args));
  };
  prepared.all = function (this: PreparedQuery, ...args) {
    return inSpan(tracing, statement, parent, () => all.apply(this, args));
  };
  return prepared;
}

interface Statement {
  readonly name: string;
  readonly attributes: Attributes;
}

async function inSpan<T>(
  tracing: StatementTracing,
  statement: Statement,
  given: Span | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const span =
    given === undefined ? underActive(tracing, statement) : underGiven(tracing, statement, given);
  if (span === undefined) return run();
  try {
    const result = await run();
    endSpan(span);
    return result;
  } catch (err) {
    const sqlState = errorCodeOf(err);
    if (sqlState !== undefined) span.setAttribute(attr.dbResponseStatusCode, sqlState);
    endSpan(span, sqlState ?? errorTypeOf(err));
    throw err;
  }
}

function underActive(tracing: StatementTracing, statement: Statement): Span | undefined {
  const parent = context.active();
  if (trace.getSpan(parent) === undefined) return undefined;
  const options = { kind: SpanKind.CLIENT, attributes: statement.attributes };
  return tracing.tracer.startSpan(statement.name, options, parent);
}

function underGiven(tracing: StatementTracing, statement: Statement, parent: Span): Span {
  // startChild keeps the attributes object as the span's own: a copy.
  return tracing.startChild(statement.name, SpanKind.CLIENT, { ...statement.attributes }, parent);
}

// A statement's first keyword and first table, as OpenTelemetry's database
// conventions name spans ("SELECT identity.users"). drizzle writes
// identifiers quoted and schema-qualified; quotes are dropped.
const OPERATION = /^\s*([a-z]+)/i;
const TABLE = /\b(?:from|into|update|join)\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)/i;

// Statements are few and fixed (their values are parameters), so their
// descriptions are computed once; the bound only guards against ad hoc SQL.
const described = new Map<string, Statement>();
const MAX_DESCRIBED = 1_000;

function describe(sql: string, namespace: string): Statement {
  const key = `${namespace}\u0000${sql}`;
  const known = described.get(key);
  if (known !== undefined) return known;
  const operation = OPERATION.exec(sql)?.[1]?.toUpperCase();
  const table = TABLE.exec(sql)?.[1]?.replaceAll('"', "");
  const statement: Statement = {
    name: [operation ?? "SQL", table].filter(Boolean).join(" "),
    attributes: {
      [attr.dbSystemName]: "postgresql",
      [attr.dbNamespace]: namespace,
      [attr.dbQueryText]: sql,
      ...(operation ? { [attr.dbOperationName]: operation } : {}),
      ...(table ? { [attr.dbCollectionName]: table } : {}),
    },
  };
  if (described.size < MAX_DESCRIBED) described.set(key, statement);
  return statement;
}
