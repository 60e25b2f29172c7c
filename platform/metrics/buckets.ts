/**
 * LATENCY_BUCKETS are the histogram buckets of every latency series, from
 * 0.5 ms to 10 s: a cached read is sub-millisecond, a slow upstream or
 * database write takes seconds. One set, so latencies compare across
 * RPCs, routes and queries.
 */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);
