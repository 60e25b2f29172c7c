import { type DiagLogger, DiagLogLevel, diag } from "@opentelemetry/api";
import { loggingErrorHandler, setGlobalErrorHandler } from "@opentelemetry/core";
import type { Logger } from "pino";

/** REPEAT_WINDOW_MS is how long an identical message stays quiet after it was logged. */
export const REPEAT_WINDOW_MS = 60_000;

/** TelemetryErrorLog is the bridge from OpenTelemetry's error reporting to the process log. */
export interface TelemetryErrorLog {
  /** Logs a failure the platform caught itself (a flush at shutdown); arrays are each logged. */
  report(err: unknown): void;
  /** Unregisters the bridge, restoring OpenTelemetry's defaults. */
  close(): void;
}

/**
 * logTelemetryErrors makes OpenTelemetry's problems log lines: its global
 * error handler (a failed background export, a span that could not be
 * encoded) logs "tracing error" at error, and its diag channel logs its
 * warnings and errors (spans dropped on a full queue, bad settings) at
 * their level. Without it both go nowhere: the SDK ignores OTEL_LOG_LEVEL
 * and registers no diag logger, so an unreachable collector lost every
 * span in silence.
 *
 * A collector that stays down fails every export, one every few seconds:
 * each failure is at most one line, and a message already logged in the
 * last minute (numbers aside: "Dropped 12 spans" is "Dropped 7 spans") is
 * counted instead, then logged again with `repeated` (how many were held
 * back) once the minute has passed.
 */
export function logTelemetryErrors(logger: Logger): TelemetryErrorLog {
  const limit = repeatLimiter(REPEAT_WINDOW_MS);
  const report = (err: unknown) => {
    // The provider's forceFlush rejects with one error per span processor.
    for (const e of Array.isArray(err) ? err : [err]) {
      const error = asError(e);
      const held = limit(`error:${error.message}`);
      if (held !== undefined)
        logger.error({ err: error, repeated: held || undefined }, "tracing error");
    }
  };
  const diagAt =
    (level: "error" | "warn") =>
    (message: string, ...args: unknown[]) => {
      const held = limit(`${level}:${message}`);
      if (held === undefined) return;
      const err = args.find((a) => a instanceof Error);
      logger[level]({ err, repeated: held || undefined }, `opentelemetry: ${message}`);
    };
  const quiet = () => {};
  const bridge: DiagLogger = {
    error: diagAt("error"),
    warn: diagAt("warn"),
    info: quiet,
    debug: quiet,
    verbose: quiet,
  };
  setGlobalErrorHandler((err) => report(err));
  diag.setLogger(bridge, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return {
    report,
    close() {
      diag.disable();
      setGlobalErrorHandler(loggingErrorHandler());
    },
  };
}

/**
 * repeatLimiter returns, for each occurrence of a message, undefined while
 * one like it was logged less than `windowMs` ago, else how many were held
 * back since (0 the first time): the caller logs then. Numbers are left
 * out of the comparison, so counts and durations do not make it new.
 */
function repeatLimiter(windowMs: number): (message: string) => number | undefined {
  const seen = new Map<string, { loggedAt: number; held: number }>();
  return (message) => {
    const key = message.replace(/\d+/g, "#");
    const now = Date.now();
    const entry = seen.get(key);
    if (entry !== undefined && now - entry.loggedAt < windowMs) {
      entry.held++;
      return undefined;
    }
    // Forgetting stale keys keeps messages that embed other changing
    // values (addresses) from growing the map.
    for (const [k, e] of seen) if (now - e.loggedAt >= windowMs) seen.delete(k);
    seen.set(key, { loggedAt: now, held: 0 });
    return entry?.held ?? 0;
  };
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
