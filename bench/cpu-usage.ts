import { readFileSync } from "node:fs";

// /proc reports CPU time in clock ticks; USER_HZ is 100 on every Linux
// architecture Node runs on (it is fixed by the kernel ABI, not by HZ).
const TICKS_PER_SECOND = 100;

/** processTicks reads a process's user + system CPU time (all threads) from /proc. */
export function processTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces; fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

/**
 * reapedChildrenTicks is the CPU time of this process's children that have
 * exited and been reaped (cutime + cstime of /proc/self/stat). A short-lived
 * tool like h2load is gone from /proc when it finishes, so this is how its
 * CPU is known.
 */
export function reapedChildrenTicks(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[13]) + Number(fields[14]); // cutime, cstime
}

/** coreTicks returns, per CPU core, its busy and total ticks from /proc/stat. */
export function coreTicks(): { busy: number; total: number }[] {
  const cores: { busy: number; total: number }[] = [];
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (!match) continue;
    const t = match[2]!.trim().split(/\s+/).map(Number);
    const total = t.reduce((a, b) => a + b, 0);
    const idle = t[3]! + t[4]!; // idle + iowait
    cores[Number(match[1])] = { busy: total - idle, total };
  }
  return cores;
}

/** CpuReport is CPU use over a window, in percent of one core. */
export interface CpuReport {
  /** Per named process: 100 means one core fully busy. */
  readonly processes: Record<string, number>;
  /** Children of this process that exited in the window (h2load). */
  readonly reaped: number;
  /** Per core, everything that ran on it (other machine load included). */
  readonly cores: number[];
}

/**
 * startCpuMeter snapshots the named processes and all cores; the returned
 * function measures the window since. Processes that exited report NaN.
 */
export function startCpuMeter(pids: Record<string, number>): () => CpuReport {
  const started = performance.now();
  const before = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, safeTicks(pid)]));
  const coresBefore = coreTicks();
  const reapedBefore = reapedChildrenTicks();
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const toPercent = (ticks: number) => (ticks / TICKS_PER_SECOND / seconds) * 100;
    const processes: Record<string, number> = {};
    for (const [name, pid] of Object.entries(pids)) {
      processes[name] = toPercent(safeTicks(pid) - before[name]!);
    }
    const reaped = toPercent(reapedChildrenTicks() - reapedBefore);
    const cores = coreTicks().map((now, i) => {
      const was = coresBefore[i]!;
      return ((now.busy - was.busy) / Math.max(1, now.total - was.total)) * 100;
    });
    return { processes, reaped, cores };
  };
}

function safeTicks(pid: number): number {
  try {
    return processTicks(pid);
  } catch {
    return Number.NaN;
  }
}
