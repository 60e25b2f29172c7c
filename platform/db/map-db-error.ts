import { Code, ConnectError } from "@connectrpc/connect";
import { errorCodeOf } from "./error-code.js";

/**
 * DbErrorMessages are the client-facing messages for the errors a caller can
 * anticipate. They are the caller's, because only it knows which resource
 * and field conflicted; the database's own message is never sent, since it
 * may quote other users' data ("Key (email)=(…) already exists").
 */
export interface DbErrorMessages {
  /** For unique violations (23505), e.g. "a user with this email already exists". */
  readonly alreadyExists?: string;
  /** For foreign-key violations (23503). */
  readonly failedPrecondition?: string;
  /** For check violations (23514) and data exceptions (class 22). */
  readonly invalidArgument?: string;
}

// Connection-level failures: Node socket errors, postgres.js's own codes
// (src/connection.js), and server codes for a connection that is going away.
const unavailableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
]);

/**
 * mapDbError is the one place Postgres errors become ConnectErrors, for both
 * postgres.js and PGlite (SQLSTATEs: https://www.postgresql.org/docs/current/errcodes-appendix.html).
 * A ConnectError passes through unchanged, so a store can throw NOT_FOUND
 * inside the same `try`. Whatever is not recognised becomes INTERNAL with a
 * fixed message; the original error is kept as `cause` for the logs.
 */
export function mapDbError(err: unknown, messages: DbErrorMessages = {}): ConnectError {
  if (err instanceof ConnectError) return err;
  const [message, code] = endsSession(err) ? unavailable : classify(errorCodeOf(err), messages);
  return new ConnectError(message, code, undefined, undefined, err);
}

const unavailable: [string, Code] = ["the database is unavailable", Code.Unavailable];

// A FATAL error ends the session: the server refused or dropped the
// connection, whatever the SQLSTATE says. "Database is not currently
// accepting connections" is 55000 (object_not_in_prerequisite_state), a
// class that as a plain ERROR is a bug of ours, so the severity decides.
function endsSession(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    if ((current as { severity?: unknown }).severity === "FATAL") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function classify(sqlState: string | undefined, messages: DbErrorMessages): [string, Code] {
  if (sqlState === undefined) return ["internal error", Code.Internal];
  if (sqlState === "23505") {
    return [messages.alreadyExists ?? "the resource already exists", Code.AlreadyExists];
  }
  if (sqlState === "23503") {
    return [
      messages.failedPrecondition ?? "a referenced resource does not exist",
      Code.FailedPrecondition,
    ];
  }
  if (sqlState === "23514" || sqlState.startsWith("22")) {
    return [messages.invalidArgument ?? "a value is not valid", Code.InvalidArgument];
  }
  // 57014 is query_canceled: statement_timeout fired (or the query was cancelled).
  if (sqlState === "57014") return ["the database did not answer in time", Code.DeadlineExceeded];
  // Still failing after withTransaction's retries: a concurrency conflict,
  // which gRPC says to report as ABORTED so the client retries higher up.
  if (sqlState === "40001" || sqlState === "40P01") {
    return ["the operation conflicted with a concurrent one; retry it", Code.Aborted];
  }
  if (sqlState.startsWith("08") || unavailableCodes.has(sqlState)) return unavailable;
  return ["internal error", Code.Internal];
}
