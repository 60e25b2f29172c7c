import { Counter, Histogram, type Registry } from "prom-client";
import { LATENCY_BUCKETS } from "./buckets.js";

/** RpcMetrics records the RED signals of served RPCs. */
export interface RpcMetrics {
  /** Counts one finished call and records its duration. `code` is the gRPC code name, e.g. "OK". */
  observe(rpc: string, protocol: string, code: string, seconds: number): void;
}

/**
 * createRpcMetrics registers `rpc_server_requests_total{rpc,protocol,code}`
 * and `rpc_server_duration_seconds{rpc}`. Label children are cached per
 * combination, so a call costs one map lookup and two increments, not a
 * label hash (nothing configurable on the hot path).
 */
export function createRpcMetrics(registry: Registry): RpcMetrics {
  const requests = new Counter({
    name: "rpc_server_requests_total",
    help: "RPCs served, by method, protocol and gRPC status code",
    labelNames: ["rpc", "protocol", "code"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "rpc_server_duration_seconds",
    help: "Time to serve an RPC, from decoded request to response",
    labelNames: ["rpc"] as const,
    buckets: [...LATENCY_BUCKETS],
    registers: [registry],
  });
  const counters = new Map<string, { inc(): void }>();
  const histograms = new Map<string, { observe(v: number): void }>();
  return {
    observe(rpc, protocol, code, seconds) {
      const key = `${rpc} ${protocol} ${code}`;
      let counter = counters.get(key);
      if (counter === undefined) {
        counter = requests.labels(rpc, protocol, code);
        counters.set(key, counter);
      }
      counter.inc();
      let histogram = histograms.get(rpc);
      if (histogram === undefined) {
        histogram = duration.labels(rpc);
        histograms.set(rpc, histogram);
      }
      histogram.observe(seconds);
    },
  };
}
