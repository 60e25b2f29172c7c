export { LATENCY_BUCKETS } from "./buckets.js";
export { createMetrics, type Metrics } from "./create-metrics.js";
export { createDbMetrics, type DbMetrics, type PoolUsage } from "./db-metrics.js";
export {
  type ConsumeCounters,
  type ConsumeResult,
  createEventMetrics,
  type EventMetrics,
  type OutboxBacklog,
} from "./event-metrics.js";
export {
  createHttpMetrics,
  type HttpMetrics,
  type RouteRecorder,
  UNMATCHED_ROUTE,
} from "./http-metrics.js";
export { createRpcMetrics, type RpcMetrics } from "./rpc-metrics.js";
