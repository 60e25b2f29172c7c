import { setTimeout as sleep } from "node:timers/promises";
import { startCpuMeter } from "./cpu-usage.js";

/**
 * waitForQuiet waits (up to `maxWaitS`) until both cores are nearly idle
 * for one second, before a measurement starts. On a shared machine (CI
 * runners, a laptop with a build running) that is the difference between
 * measuring the server and measuring the neighbours. It gives up quietly:
 * the table's "other" columns still show how disturbed the run was.
 */
export async function waitForQuiet(
  maxWaitS: number,
  log: (line: string) => void,
  busyPercent = 10,
): Promise<void> {
  const deadline = Date.now() + maxWaitS * 1000;
  let told = false;
  for (;;) {
    const meter = startCpuMeter({});
    await sleep(1000);
    const cores = meter().cores;
    if (Math.max(...cores) <= busyPercent) return;
    if (Date.now() > deadline) {
      log(
        `  machine still busy (${cores.map((c) => c.toFixed(0) + "%").join(", ")}); measuring anyway`,
      );
      return;
    }
    if (!told)
      log(
        `  waiting for other processes to go idle (cores ${cores.map((c) => c.toFixed(0) + "%").join(", ")})`,
      );
    told = true;
  }
}
