import { type DestinationStream, type LevelWithSilent, type Logger, pino } from "pino";
import { redactPaths } from "./redact-paths.js";
import { serializeError } from "./serialize-error.js";

/** LoggerOptions configure {@link createLogger}. */
export interface LoggerOptions {
  /** Service name, added to every line. */
  readonly service: string;
  /** Minimum level; `silent` turns logging off. */
  readonly level: LevelWithSilent;
  /** Where lines go; stdout (synchronous) when omitted. Tests pass a stream. */
  readonly destination?: DestinationStream;
}

/**
 * createLogger builds the process's root pino logger: one JSON object per
 * line with `time` in ISO-8601 UTC, `level` as a label ("info", not 30),
 * `msg`, `service` and `pid`, errors under `err` with pino's standard
 * serializer less the values a failed SQL statement carried
 * (serializeError), and secrets replaced by `"[redacted]"`. Build it once at boot;
 * per request, derive a child with `requestLogger`.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      // `hostname` is left out: in Kubernetes it is the pod name, which the
      // log collector already attaches, and locally it is noise.
      base: { pid: process.pid, service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: "msg",
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError },
      redact: { paths: [...redactPaths], censor: "[redacted]" },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

export type { Logger };
