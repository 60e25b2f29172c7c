/** StatusLevel is a subsystem's condition: working, degraded, or broken. */
export type StatusLevel = "OK" | "WARN" | "ERROR";

/** StatusMetrics are a subsystem's figures, e.g. `{ latency_ms: 1.3, kind: "pglite" }`. */
export type StatusMetrics = Readonly<Record<string, number | string>>;

/** CheckResult is what one run of a check found. */
export interface CheckResult {
  readonly level: StatusLevel;
  /** Why it is not OK, in a few words an operator can act on; empty when OK. */
  readonly message: string;
  readonly metrics: StatusMetrics;
}

/** CheckContext is handed to each run of a check. */
export interface CheckContext {
  /** Aborts when the run's time is up; pass it to the calls the check makes. */
  readonly signal: AbortSignal;
  /** The run's budget; the monitor reports a timeout when it is spent. */
  readonly timeoutMs: number;
}

/**
 * StatusCheck looks at one subsystem. The monitor runs it in the background,
 * never on a request; a throw is an ERROR with the error's message.
 */
export interface StatusCheck {
  /** Lowercase snake_case name: the `<subsystem>_` prefix of its status lines and its URL. */
  readonly subsystem: string;
  run(context: CheckContext): Promise<CheckResult>;
  /** This check's own budget, when it differs from the monitor's. */
  readonly timeoutMs?: number;
}

/** ok is a passing result with its metrics. */
export function ok(metrics: StatusMetrics = {}): CheckResult {
  return { level: "OK", message: "", metrics };
}

/** warn is a degraded result: the subsystem works, but someone should look. */
export function warn(message: string, metrics: StatusMetrics = {}): CheckResult {
  return { level: "WARN", message, metrics };
}

/** error is a broken result: requests depending on the subsystem fail. */
export function error(message: string, metrics: StatusMetrics = {}): CheckResult {
  return { level: "ERROR", message, metrics };
}

const severity: Readonly<Record<StatusLevel, number>> = { OK: 0, WARN: 1, ERROR: 2 };

/** levelValue is the level as a number (OK 0, WARN 1, ERROR 2), as the `status_check` gauge exports it. */
export function levelValue(level: StatusLevel): number {
  return severity[level];
}

/** worstLevel is the most severe of `levels`; OK for none. */
export function worstLevel(levels: Iterable<StatusLevel>): StatusLevel {
  let worst: StatusLevel = "OK";
  for (const level of levels) if (severity[level] > severity[worst]) worst = level;
  return worst;
}

/** errorMessage is a thrown value's message, on one line and at most 200 characters. */
export function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** round1 rounds to one decimal, enough for milliseconds. */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
