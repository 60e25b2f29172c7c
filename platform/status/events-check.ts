import type { ConsumerHealth, EventBroker } from "../events/broker.js";
import {
  type CheckResult,
  error,
  errorMessage,
  ok,
  round1,
  type StatusCheck,
  type StatusMetrics,
  warn,
  worstLevel,
} from "./status-check.js";

/** EventsCheckTarget is what the `events` subsystem looks at. */
export interface EventsCheckTarget {
  readonly broker: Pick<EventBroker, "ping" | "kind" | "consumerHealth">;
  /** Age in ms of the oldest unpublished outbox row; undefined when the service has no outbox. */
  readonly outboxLag?: (() => Promise<number>) | undefined;
}

/** EventsCheckOptions are the outbox lag and consumer downtime thresholds. */
export interface EventsCheckOptions {
  /** Default 10 s: events are late, consumers see stale state. */
  readonly warnLagMs?: number;
  /** Default 5 min: the relay is stuck or the broker refuses writes. */
  readonly errorLagMs?: number;
  /** Default 10 s: longer than a consumer takes to restart after a deletion. */
  readonly warnDownMs?: number;
  /** Default 1 min: its restarts keep failing; its events pile up unhandled. */
  readonly errorDownMs?: number;
}

/**
 * createEventsCheck pings the broker (ERROR when it does not answer),
 * names the consumers that have not been consuming for a while (WARN above
 * 10 s, ERROR above 1 min), and measures the outbox lag (WARN above 10 s,
 * ERROR above 5 min); the worst of them is the result. Metrics: `broker`
 * (nats or memory), `broker_ping_ms`, `consumers_down`, `outbox_lag_ms`.
 */
export function createEventsCheck(
  target: EventsCheckTarget,
  options: EventsCheckOptions = {},
): StatusCheck {
  const { warnLagMs = 10_000, errorLagMs = 300_000 } = options;
  const { warnDownMs = 10_000, errorDownMs = 60_000 } = options;
  return {
    subsystem: "events",
    async run() {
      const metrics: Record<string, number | string> = { broker: target.broker.kind };
      const startedAt = performance.now();
      try {
        await target.broker.ping();
        metrics["broker_ping_ms"] = round1(performance.now() - startedAt);
      } catch (err) {
        return error(`broker unreachable: ${errorMessage(err)}`, metrics);
      }
      const consumers = target.broker.consumerHealth?.() ?? [];
      const down = judgeConsumers(consumers, metrics, Date.now(), warnDownMs, errorDownMs);
      if (target.outboxLag === undefined) return down;
      let lag: CheckResult;
      try {
        const lagMs = Math.round(await target.outboxLag());
        metrics["outbox_lag_ms"] = lagMs;
        lag = judgeLag(lagMs, metrics, warnLagMs, errorLagMs);
      } catch (err) {
        // The outbox is a table: the database subsystem reports why it failed.
        lag = warn(`outbox lag unknown: ${errorMessage(err)}`, metrics);
      }
      return combine(down, lag, metrics);
    },
  };
}

// A consumer restarting is normal for a moment (a deleted one is recreated
// within seconds); one down past a threshold is named, with its last error.
function judgeConsumers(
  consumers: readonly ConsumerHealth[],
  metrics: Record<string, number | string>,
  nowMs: number,
  warnDownMs: number,
  errorDownMs: number,
): CheckResult {
  const late = consumers
    .map((c) => ({ ...c, downMs: c.downSinceMs === undefined ? 0 : nowMs - c.downSinceMs }))
    .filter((c) => c.downMs > warnDownMs);
  metrics["consumers_down"] = late.length;
  if (late.length === 0) return ok(metrics);
  const names = late.map(
    (c) =>
      `${c.stream}/${c.consumer} not consuming for ${Math.round(c.downMs / 1000)} s` +
      (c.lastError ? ` (${c.lastError})` : ""),
  );
  const message = `consumer ${names.join(", ")}`;
  return late.some((c) => c.downMs > errorDownMs)
    ? error(message, metrics)
    : warn(message, metrics);
}

function combine(a: CheckResult, b: CheckResult, metrics: StatusMetrics): CheckResult {
  const level = worstLevel([a.level, b.level]);
  if (level === "OK") return ok(metrics);
  const message = [a, b]
    .filter((r) => r.level !== "OK")
    .map((r) => r.message)
    .join("; ");
  return level === "ERROR" ? error(message, metrics) : warn(message, metrics);
}

function judgeLag(
  lagMs: number,
  metrics: StatusMetrics,
  warnLagMs: number,
  errorLagMs: number,
): CheckResult {
  const seconds = `${Math.round(lagMs / 1000)} s`;
  if (lagMs > errorLagMs)
    return error(`outbox lag ${seconds} (over ${errorLagMs / 1000} s)`, metrics);
  if (lagMs > warnLagMs) return warn(`outbox lag ${seconds} (over ${warnLagMs / 1000} s)`, metrics);
  return ok(metrics);
}
