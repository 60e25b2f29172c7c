/** LatencySummary holds latency percentiles in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * summarizeLatencies sorts the samples (microseconds) and reads percentiles
 * by the nearest-rank method: p99 is the smallest sample that at least 99%
 * of samples do not exceed. No interpolation, so every figure is a latency
 * that some call really had.
 */
export function summarizeLatencies(samplesUs: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samplesUs).sort();
  const ms = (us: number | undefined) => (us ?? Number.NaN) / 1000;
  return {
    count: sorted.length,
    p50: ms(nearestRank(sorted, 50)),
    p90: ms(nearestRank(sorted, 90)),
    p99: ms(nearestRank(sorted, 99)),
    max: ms(sorted[sorted.length - 1]),
  };
}

/** nearestRank returns the p-th percentile of an ascending array, or undefined if empty. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
