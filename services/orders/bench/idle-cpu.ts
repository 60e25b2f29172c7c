import { cpus } from "node:os";

/**
 * waitForIdleCpu waits (up to `maxWaitMs`) for a second in which the
 * machine's cores are on average under `busyPercent` busy, so a run measures
 * the services rather than whatever else the machine is doing. It resolves
 * to the last second's busy percentage either way, for the report.
 */
export async function waitForIdleCpu(maxWaitMs = 30_000, busyPercent = 15): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const busy = await busyOverOneSecond();
    if (busy < busyPercent || Date.now() > deadline) return busy;
  }
}

async function busyOverOneSecond(): Promise<number> {
  const before = totals();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const after = totals();
  const total = after.total - before.total;
  return total === 0 ? 0 : (100 * (total - (after.idle - before.idle))) / total;
}

function totals() {
  let idle = 0;
  let total = 0;
  for (const { times } of cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  return { idle, total };
}
