import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * Metrics is one process's Prometheus registry. Every series carries the
 * `service` label, so one scrape config covers every service.
 */
export interface Metrics {
  readonly registry: Registry;
  /** The Prometheus text exposition of every series. */
  render(): Promise<string>;
  readonly contentType: string;
}

/**
 * createMetrics builds the registry with the runtime's default series
 * (CPU, memory, event-loop lag, GC, handles) prefixed `process_`/`nodejs_`.
 */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
