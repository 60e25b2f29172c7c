/**
 * errorCodeOf finds the driver's string error code on `err` or, failing
 * that, on its `cause` chain: drizzle 0.45 wraps driver errors in a
 * `DrizzleQueryError` whose `cause` is the postgres.js `PostgresError` or
 * PGlite `DatabaseError`. The code is a SQLSTATE for server errors
 * ("23505"), and a Node or postgres.js code for connection errors
 * ("ECONNREFUSED", "CONNECTION_CLOSED"). Numeric codes (ConnectError's) are
 * skipped: they are not the database's.
 */
export function errorCodeOf(err: unknown): string | undefined {
  let current: unknown = err;
  // A cause chain is short in practice; the bound guards against cycles.
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const code: unknown = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
