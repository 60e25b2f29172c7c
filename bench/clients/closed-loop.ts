import { type LatencySummary, summarizeLatencies } from "../percentiles.js";

/** LoopOptions shape a closed-loop run: `concurrency` calls always in flight. */
export interface LoopOptions {
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** LoopResult is what one client process measured about itself. */
export interface LoopResult {
  readonly calls: number;
  readonly errors: number;
  readonly callsPerSec: number;
  /** CPU this process used in the window, percent of one core. */
  readonly cpuPercent: number;
  readonly latency: LatencySummary;
  readonly firstError?: string;
}

/**
 * runClosedLoop keeps `concurrency` calls in flight: each of that many
 * workers starts its next call as soon as the last one settles. Calls that
 * finish inside the measurement window (after the warm-up) are counted, with
 * their latency. `call` resolves true for a correct response; a rejection or
 * false counts as an error.
 */
export async function runClosedLoop(
  call: (n: number) => Promise<boolean>,
  opts: LoopOptions,
  onMeasureStart: () => void = () => {},
): Promise<LoopResult> {
  const latenciesUs: number[] = [];
  let measuring = false;
  let stopped = false;
  let calls = 0;
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;

  async function worker(): Promise<void> {
    while (!stopped) {
      const started = performance.now();
      let ok = false;
      try {
        ok = await call(next++);
      } catch (err) {
        firstError ??= String(err);
      }
      if (!measuring) continue;
      if (ok) {
        calls++;
        latenciesUs.push((performance.now() - started) * 1000);
      } else errors++;
    }
  }

  const workers = Array.from({ length: opts.concurrency }, worker);
  await new Promise((resolve) => setTimeout(resolve, opts.warmupMs));
  measuring = true;
  onMeasureStart();
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, opts.durationMs));
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  stopped = true;
  await Promise.all(workers);
  return {
    calls,
    errors,
    callsPerSec: calls / seconds,
    cpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
    latency: summarizeLatencies(latenciesUs),
    ...(firstError === undefined ? {} : { firstError }),
  };
}
