import type { Sql } from "postgres";
import { errorCodeOf } from "./error-code.js";

// Errors after which the backend is gone: the server ended the session (57P*,
// any FATAL) or the socket closed under the query.
const lostCodes = new Set([
  "57P01",
  "57P02",
  "57P03",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "ECONNRESET",
  "EPIPE",
]);

// How long to wait for the close that follows a lost-connection error.
const closeGraceMs = 1_000;

/**
 * guardBegin works around a postgres.js 3.4.x defect
 * (https://github.com/porsager/postgres/issues/1208): when a transaction's
 * backend dies (pg_terminate_backend, a failover, a restart), `begin()`
 * rejects at once, but then writes ROLLBACK (or COMMIT) to the dead
 * connection, which throws from a `setImmediate` (`socket.write` on null):
 * an uncaught exception that takes the whole process down, or, if caught,
 * leaves a write buffered that poisons the connection.
 *
 * So a transaction whose connection is lost never lets postgres.js write to
 * it again: its body's promise is left pending instead of settling (the
 * caller has its rejection from `begin()` already; the server rolled the
 * transaction back when the session ended). Any other error settles as
 * before, so ROLLBACK goes out on a live connection. Remove this once
 * postgres.js guards `nextWrite` (upstream PRs #1168, #1209).
 */
export function guardBegin<T extends Sql>(client: T): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== "begin") return Reflect.get(target, property, receiver);
      return (options: unknown, fn?: unknown) =>
        fn === undefined ? guardedBegin(target, "", options) : guardedBegin(target, options, fn);
    },
  });
}

type TransactionBody = (sql: unknown) => unknown;

function guardedBegin(client: Sql, options: unknown, fn: unknown): Promise<unknown> {
  let closed: () => void = () => {};
  const connectionClosed = new Promise<void>((resolve) => {
    closed = resolve;
  });
  let settled = false;
  const body = async (sql: unknown) => {
    try {
      const result = await (fn as TransactionBody)(sql);
      // The connection closed after the last statement: COMMIT must not be written.
      return settled ? pending() : result;
    } catch (err) {
      if (!lost(err)) throw err;
      // begin() rejects when the connection closes, which follows the error.
      await Promise.race([connectionClosed, delay(closeGraceMs)]);
      if (settled) return pending();
      throw err;
    }
  };
  const begin = client.begin as unknown as (o: unknown, f: TransactionBody) => Promise<unknown>;
  return begin(options, body).finally(() => {
    settled = true;
    closed();
  });
}

function lost(err: unknown): boolean {
  const code = errorCodeOf(err);
  if (code !== undefined && lostCodes.has(code)) return true;
  return (err as { severity?: unknown } | null)?.severity === "FATAL";
}

function pending(): Promise<never> {
  return new Promise(() => {});
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
