import type { EventBroker } from "../events/broker.js";
import {
  type CheckResult,
  error,
  errorMessage,
  ok,
  round1,
  type StatusCheck,
  type StatusMetrics,
  warn,
} from "./status-check.js";

/** EventsCheckTarget is what the `events` subsystem looks at. */
export interface EventsCheckTarget {
  readonly broker: Pick<EventBroker, "ping" | "kind">;
  /** Age in ms of the oldest unpublished outbox row; undefined when the service has no outbox. */
  readonly outboxLag?: (() => Promise<number>) | undefined;
}

/** EventsCheckOptions are the outbox lag thresholds. */
export interface EventsCheckOptions {
  /** Default 10 s: events are late, consumers see stale state. */
  readonly warnLagMs?: number;
  /** Default 5 min: the relay is stuck or the broker refuses writes. */
  readonly errorLagMs?: number;
}

/**
 * createEventsCheck pings the broker (ERROR when it does not answer) and
 * measures the outbox lag (WARN above 10 s, ERROR above 5 min). Metrics:
 * `broker` (nats or memory), `broker_ping_ms`, `outbox_lag_ms`.
 */
export function createEventsCheck(
  target: EventsCheckTarget,
  options: EventsCheckOptions = {},
): StatusCheck {
  const { warnLagMs = 10_000, errorLagMs = 300_000 } = options;
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
      if (target.outboxLag === undefined) return ok(metrics);
      let lagMs: number;
      try {
        lagMs = Math.round(await target.outboxLag());
      } catch (err) {
        // The outbox is a table: the database subsystem reports why it failed.
        return warn(`outbox lag unknown: ${errorMessage(err)}`, metrics);
      }
      metrics["outbox_lag_ms"] = lagMs;
      return judgeLag(lagMs, metrics, warnLagMs, errorLagMs);
    },
  };
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
