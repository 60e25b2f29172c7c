/** LoadResult is what one fixed-duration run of calls achieved. */
export interface LoadResult {
  readonly calls: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly callsPerSecond: number;
  /** Latency of successful calls, in ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The first error's message, to say why a run went wrong. */
  readonly firstError: string | undefined;
}

/** LoadOptions shape a run: how many calls in flight, for how long. */
export interface LoadOptions {
  readonly concurrency: number;
  readonly durationMs: number;
}

/**
 * driveLoad keeps `concurrency` calls in flight for `durationMs`: each
 * worker starts its next call as soon as its last one settles (a closed
 * loop, so a slower server is measured as fewer calls, never as a queue
 * growing in the client). Calls still in flight at the end finish and
 * count; the elapsed time runs until the last one settles.
 */
export async function driveLoad(
  call: () => Promise<unknown>,
  options: LoadOptions,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const end = started + options.durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await call();
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    errors,
    elapsedMs,
    callsPerSecond: (latencies.length * 1000) / elapsedMs,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    firstError,
  };
}

/** percentile reads the p-th percentile of ascending samples by nearest rank (NaN if none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** PacedOptions shape an open-loop run: calls started per second, for how long. */
export interface PacedOptions {
  readonly ratePerSecond: number;
  readonly durationMs: number;
}

/**
 * drivePaced starts calls at a fixed rate whatever the server's pace (an
 * open loop, as independent clients arrive), then waits for the last one.
 * Resolves to the number of calls that succeeded and failed.
 */
export async function drivePaced(
  call: () => Promise<unknown>,
  options: PacedOptions,
): Promise<{ calls: number; errors: number }> {
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let fired = 0;
  let errors = 0;
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= options.durationMs) break;
    const due = Math.floor((elapsed * options.ratePerSecond) / 1000);
    for (; fired < due; fired++) {
      const settled: Promise<void> = call().then(
        () => {},
        () => {
          errors++;
        },
      );
      inFlight.add(settled);
      void settled.finally(() => inFlight.delete(settled));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  return { calls: fired - errors, errors };
}
