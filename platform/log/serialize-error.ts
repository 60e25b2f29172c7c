import { pino } from "pino";

// Fields of database errors that quote the values a statement carried:
// drizzle's `params`, postgres.js's `parameters` (enumerable in debug mode),
// and Postgres's `detail` ("Key (email)=(alice@example.com) already exists").
const VALUE_FIELDS = new Set(["params", "parameters", "detail"]);
// drizzle's DrizzleQueryError writes its parameters into the message too:
// "Failed query: <sql>\nparams: <values>".
const PARAMS_LINE = "\nparams:";

/**
 * serializeError is the loggers' `err` serializer: pino's standard one,
 * after taking the statement's values out of every error in the cause
 * chain. A failed query (a dropped connection is enough) would otherwise
 * log what it was writing: a password hash, an email, a stored response
 * holding a new API key's secret. Key-based redaction cannot see values
 * inside a message or an array. The SQL text, the SQLSTATE, the constraint
 * and the stack stay: they are what a reader needs, and they hold no data.
 */
export function serializeError(err: unknown): unknown {
  return pino.stdSerializers.err(withoutQueryValues(err, new Set()) as Error);
}

// The same error, or a copy of it (same prototype, so the same `type`)
// without value fields, when it or anything in its causes has some.
function withoutQueryValues(err: unknown, seen: Set<unknown>): unknown {
  if (!isError(err) || seen.has(err)) return err;
  seen.add(err);
  const cause = withoutQueryValues(err.cause, seen);
  const errors = Array.isArray(err.errors)
    ? err.errors.map((e: unknown) => withoutQueryValues(e, seen))
    : err.errors;
  const cut = err.message.indexOf(PARAMS_LINE);
  const dirty = Object.keys(err).some((key) => VALUE_FIELDS.has(key));
  if (!dirty && cut < 0 && cause === err.cause && errors === err.errors) return err;
  const message = cut < 0 ? err.message : err.message.slice(0, cut);
  const replaced: Record<string, unknown> = {
    message,
    stack: cut < 0 ? err.stack : withMessage(err.stack, err.message, message),
    cause,
    errors,
  };
  const copy = Object.create(Object.getPrototypeOf(err)) as object;
  for (const key of Reflect.ownKeys(err)) {
    if (typeof key === "string" && VALUE_FIELDS.has(key)) continue;
    const own = Object.getOwnPropertyDescriptor(err, key)!;
    Object.defineProperty(
      copy,
      key,
      typeof key === "string" && key in replaced
        ? { value: replaced[key], writable: true, configurable: true, enumerable: own.enumerable }
        : own,
    );
  }
  return copy;
}

// A V8 stack starts with "<name>: <message>", then the frames; the header
// is rewritten and the frames kept.
function withMessage(stack: unknown, before: string, after: string): string | undefined {
  if (typeof stack !== "string") return undefined;
  const header = stack.indexOf(before);
  return header < 0 ? after : stack.slice(0, header) + after + stack.slice(header + before.length);
}

interface ErrorLike {
  readonly message: string;
  readonly stack?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
}

function isError(value: unknown): value is ErrorLike {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { message?: unknown }).message === "string"
  );
}
