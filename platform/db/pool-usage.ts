import type { PoolUsage } from "../metrics/db-metrics.js";
import type { Database } from "./create-database.js";

/** QueryObserver receives every finished statement. */
export interface QueryObserver {
  observeQuery(ok: boolean, seconds: number): void;
}

// drizzle's internals, as far as this module relies on them (the same seam
// as trace-queries.ts): every statement is prepared by a session's
// `prepareQuery` and run by the prepared query's `execute` or `all`; a
// transaction gets a new session.
interface PreparedQuery {
  execute(...args: unknown[]): Promise<unknown>;
  all(...args: unknown[]): Promise<unknown>;
}
interface Session {
  prepareQuery(...args: unknown[]): PreparedQuery;
  transaction(fn: (tx: Transaction) => unknown, config?: unknown): Promise<unknown>;
}
interface Transaction {
  readonly _: { readonly session: Session };
  transaction(fn: (tx: Transaction) => unknown): Promise<unknown>;
}

/** Connections held: a running statement outside a transaction, or an open transaction. */
interface Holds {
  count: number;
}

/**
 * trackPoolUsage counts, on `database.db`, the pool connections in use and
 * every statement's outcome and duration (for `observer`). postgres.js has
 * no public pool statistics, so use is counted where drizzle takes a
 * connection: a statement outside a transaction holds one while it runs,
 * a transaction from BEGIN to COMMIT or ROLLBACK; statements inside a
 * transaction and savepoints use the transaction's. Beyond the pool's size
 * the rest wait (queued, or pipelined behind a busy connection's
 * statement). PGlite is one connection. Statements on dedicated
 * connections (migrations) are outside the pool and not counted.
 *
 * The seam is drizzle's session, patched on this handle only, like
 * traceQueries; a statement pays two clock reads and two counter updates.
 */
export function trackPoolUsage(database: Database, observer: QueryObserver): PoolUsage {
  const max = poolSizeOf(database);
  const holds: Holds = { count: 0 };
  const session = (database.db as unknown as Transaction)._.session;
  measureSession(session, observer, holds);
  const transaction = session.transaction;
  session.transaction = async function (this: Session, fn, config) {
    holds.count++;
    try {
      return await transaction.call(this, (tx) => fn(measureTransaction(tx, observer)), config);
    } finally {
      holds.count--;
    }
  };
  return {
    max,
    inUse: () => Math.min(holds.count, max),
    waiting: () => Math.max(0, holds.count - max),
  };
}

// postgres.js keeps its pool size in `options.max` (DB_POOL_MAX).
function poolSizeOf(database: Database): number {
  if (database.kind === "pglite") return 1;
  const client = (database.db as { $client?: { options?: { max?: unknown } } }).$client;
  const max = client?.options?.max;
  return typeof max === "number" && max > 0 ? max : 1;
}

// A savepoint reuses its transaction's session on some drivers (PGlite).
const measured = new WeakSet<Session>();

function measureSession(session: Session, observer: QueryObserver, holds?: Holds): void {
  if (measured.has(session)) return;
  measured.add(session);
  const prepare = session.prepareQuery;
  session.prepareQuery = function (this: Session, ...args) {
    return measureStatement(prepare.apply(this, args), observer, holds);
  };
}

function measureTransaction(tx: Transaction, observer: QueryObserver): Transaction {
  measureSession(tx._.session, observer);
  const nested = tx.transaction;
  tx.transaction = function (this: Transaction, fn) {
    return nested.call(this, (inner) => fn(measureTransaction(inner, observer)));
  };
  return tx;
}

function measureStatement(
  prepared: PreparedQuery,
  observer: QueryObserver,
  holds: Holds | undefined,
): PreparedQuery {
  const { execute, all } = prepared;
  prepared.execute = function (this: PreparedQuery, ...args) {
    return run(observer, holds, () => execute.apply(this, args));
  };
  prepared.all = function (this: PreparedQuery, ...args) {
    return run(observer, holds, () => all.apply(this, args));
  };
  return prepared;
}

async function run<T>(
  observer: QueryObserver,
  holds: Holds | undefined,
  statement: () => Promise<T>,
): Promise<T> {
  if (holds) holds.count++;
  const started = performance.now();
  try {
    const result = await statement();
    observer.observeQuery(true, (performance.now() - started) / 1000);
    return result;
  } catch (err) {
    observer.observeQuery(false, (performance.now() - started) / 1000);
    throw err;
  } finally {
    if (holds) holds.count--;
  }
}
