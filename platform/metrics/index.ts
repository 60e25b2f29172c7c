export { createMetrics, type Metrics } from "./create-metrics.js";
export { createRpcMetrics, type RpcMetrics } from "./rpc-metrics.js";
