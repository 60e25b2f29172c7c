import { Counter, Histogram, type Registry } from "prom-client";

/** RpcMetrics records the RED signals of served RPCs. */
export interface RpcMetrics {
  /** Counts one finished call and records its duration. `code` is the gRPC code name, e.g. "OK". */
  observe(rpc: string, protocol: string, code: string, seconds: number): void;
}

// Buckets from 0.5 ms to 10 s: a cached read is sub-millisecond, a slow
// upstream or database write takes seconds.
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

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
    buckets: BUCKETS,
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
