import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import {
  type CheckResult,
  errorMessage,
  error as errorResult,
  levelValue,
  round1,
  type StatusCheck,
  type StatusLevel,
  warn,
  worstLevel,
} from "./status-check.js";

/** SubsystemStatus is a subsystem's cached result. */
export interface SubsystemStatus extends CheckResult {
  /** When the result was taken; undefined until the first run finished. */
  readonly checkedAt: Date | undefined;
  readonly durationMs: number;
}

/** StatusSnapshot is every subsystem's latest result and the overall status. */
export interface StatusSnapshot {
  /** The worst subsystem level. */
  readonly level: StatusLevel;
  /** `<subsystem>: <message>` of the subsystems at that level, joined by `; `. */
  readonly message: string;
  /** In registration order. */
  readonly subsystems: ReadonlyMap<string, SubsystemStatus>;
  /** When the oldest of the cached results was taken: how stale the page can be. */
  readonly checkedAt: Date | undefined;
}

/** StatusMonitorOptions configure the background checks. */
export interface StatusMonitorOptions {
  /** Time between runs of each check. */
  readonly intervalMs: number;
  /** Budget of one run, unless the check sets its own. */
  readonly timeoutMs: number;
  /** Where the `status_check` gauge and `status_check_runs_total` counter go. */
  readonly registry?: Registry;
  /** Logs each change of a subsystem's level. */
  readonly logger?: Logger;
  /**
   * Aborted when the service starts draining: from then on the overall
   * status is ERROR "draining" (503 on `/status` and `/status/health`), as
   * `/health/ready` says, whatever the checks last found.
   */
  readonly draining?: AbortSignal;
}

/** StatusMonitor runs status checks in the background and keeps their results. */
export interface StatusMonitor {
  /** Adds a check; once started, its first run begins at once. */
  register(check: StatusCheck): void;
  /** Runs every check now, then every `intervalMs`. The timer does not keep the process alive. */
  start(): void;
  /** Stops scheduling runs and ignores runs still going; the last results stay readable. */
  stop(): void;
  /** The cached results: never runs a check, so polling it is cheap. */
  snapshot(): StatusSnapshot;
  /**
   * Runs every check now (joining runs already going) and resolves once each
   * has reported, by its timeout at the latest.
   */
  refresh(): Promise<StatusSnapshot>;
}

// Subsystem names become `<name>_status` keys and `/status/<name>` paths;
// `health` is taken by the load-balancer path.
const SUBSYSTEM = /^[a-z][a-z0-9_]*$/;
const RESERVED = new Set(["health"]);

interface Entry {
  readonly check: StatusCheck;
  result: SubsystemStatus;
  /** The run in progress, kept until the check itself settles (even past its timeout). */
  running: CheckRun | undefined;
}

/**
 * createStatusMonitor keeps `/status` cheap to poll: checks run on a timer,
 * each bounded by its timeout, and requests read the cached results. A check
 * that hangs past its timeout is reported as an ERROR and not started again
 * until it settles, so a stuck dependency cannot pile up runs.
 */
export function createStatusMonitor(options: StatusMonitorOptions): StatusMonitor {
  const entries = new Map<string, Entry>();
  const record = createStatusMetrics(options.registry);
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let stopped = false;
  let cached: StatusSnapshot | undefined;
  // The drain changes the overall status without any check running.
  options.draining?.addEventListener(
    "abort",
    () => {
      cached = undefined;
    },
    { once: true },
  );

  const report = (entry: Entry, result: SubsystemStatus) => {
    // A run that ends during shutdown would report the closing database.
    if (stopped) return;
    const previous = entry.result;
    entry.result = result;
    cached = undefined;
    record(entry.check.subsystem, result.level, 1);
    logChange(options.logger, entry.check.subsystem, previous, result);
  };
  // Resolves when the entry's current run has reported, not when it settles.
  const runEntry = (entry: Entry): Promise<void> => {
    if (entry.running === undefined) {
      const run = runCheck(entry.check, options.timeoutMs, (result) => report(entry, result));
      entry.running = run;
      void run.settled.then(() => {
        entry.running = undefined;
      });
    }
    return entry.running.reported;
  };
  const runAll = () => Promise.all([...entries.values()].map(runEntry));
  const current = () => {
    cached ??= summarize(entries, started, options.draining?.aborted === true);
    return cached;
  };

  return {
    register(check) {
      validateSubsystem(check.subsystem, entries);
      const entry: Entry = { check, result: pending(), running: undefined };
      entries.set(check.subsystem, entry);
      cached = undefined;
      record(check.subsystem, entry.result.level, 0);
      if (started && !stopped) void runEntry(entry);
    },
    start() {
      if (started || stopped) return;
      started = true;
      cached = undefined;
      void runAll();
      timer = setInterval(() => void runAll(), options.intervalMs);
      timer.unref();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      timer = undefined;
    },
    snapshot: current,
    async refresh() {
      await runAll();
      return current();
    },
  };
}

/** CheckRun is one run of a check. */
interface CheckRun {
  /** Resolves once a result is reported: the check's, its error, or the timeout. */
  readonly reported: Promise<void>;
  /** Resolves when the check's own promise settles, which a hung check may never do. */
  readonly settled: Promise<void>;
}

/** runCheck runs one check within its timeout and reports the first result known. */
function runCheck(
  check: StatusCheck,
  defaultTimeoutMs: number,
  report: (result: SubsystemStatus) => void,
): CheckRun {
  const timeoutMs = check.timeoutMs ?? defaultTimeoutMs;
  const controller = new AbortController();
  const startedAt = performance.now();
  let resolve: () => void = () => {};
  const reported = new Promise<void>((r) => {
    resolve = r;
  });
  let done = false;
  const finish = (result: CheckResult) => {
    if (done) return;
    done = true;
    report({ ...result, checkedAt: new Date(), durationMs: round1(performance.now() - startedAt) });
    resolve();
  };
  const timer = setTimeout(() => {
    finish(errorResult(`check timed out after ${timeoutMs} ms`));
    controller.abort(new Error("status check timed out"));
  }, timeoutMs);
  timer.unref();
  const settled = (async () => {
    try {
      finish(await check.run({ signal: controller.signal, timeoutMs }));
    } catch (err) {
      finish(errorResult(errorMessage(err)));
    } finally {
      clearTimeout(timer);
    }
  })();
  return { reported, settled };
}

function pending(): SubsystemStatus {
  return { ...warn("not checked yet"), checkedAt: undefined, durationMs: 0 };
}

function validateSubsystem(name: string, entries: ReadonlyMap<string, Entry>): void {
  if (!SUBSYSTEM.test(name) || RESERVED.has(name)) {
    throw new Error(`status subsystem ${JSON.stringify(name)}: expected snake_case, not "health"`);
  }
  if (entries.has(name)) throw new Error(`status subsystem ${name} is registered twice`);
}

function summarize(
  entries: ReadonlyMap<string, Entry>,
  started: boolean,
  draining: boolean,
): StatusSnapshot {
  const subsystems = new Map([...entries].map(([name, entry]) => [name, entry.result]));
  // Until the service has started, and once it drains, it takes no traffic:
  // 503, as /health/ready, so a load balancer polling /status/health stops
  // sending at the same moment. The subsystems keep their last results.
  if (draining) {
    return {
      level: "ERROR",
      message: "draining",
      subsystems,
      checkedAt: oldest(subsystems.values()),
    };
  }
  if (!started) {
    return { level: "ERROR", message: "starting", subsystems, checkedAt: undefined };
  }
  const level = worstLevel([...subsystems.values()].map((s) => s.level));
  const message = [...subsystems]
    .filter(([, s]) => s.level === level && level !== "OK")
    .map(([name, s]) => `${name}: ${s.message}`)
    .join("; ");
  return { level, message, subsystems, checkedAt: oldest(subsystems.values()) };
}

function oldest(statuses: Iterable<SubsystemStatus>): Date | undefined {
  let result: Date | undefined;
  for (const { checkedAt } of statuses) {
    if (checkedAt === undefined) return undefined;
    if (result === undefined || checkedAt < result) result = checkedAt;
  }
  return result;
}

/**
 * createStatusMetrics registers `status_check{subsystem}` (0 OK, 1 WARN,
 * 2 ERROR), so alerts can fire on the same judgement `/status` shows, and
 * `status_check_runs_total{subsystem}`, which stops growing if checks stall.
 */
function createStatusMetrics(registry: Registry | undefined) {
  if (registry === undefined) return (_subsystem: string, _level: StatusLevel, _runs: number) => {};
  const gauge = new Gauge({
    name: "status_check",
    help: "Latest status check result per subsystem: 0 OK, 1 WARN, 2 ERROR",
    labelNames: ["subsystem"] as const,
    registers: [registry],
  });
  const runs = new Counter({
    name: "status_check_runs_total",
    help: "Finished status check runs per subsystem",
    labelNames: ["subsystem"] as const,
    registers: [registry],
  });
  // Registering adds 0 runs, so the series exists before the first run ends.
  return (subsystem: string, level: StatusLevel, ran: number) => {
    gauge.set({ subsystem }, levelValue(level));
    runs.inc({ subsystem }, ran);
  };
}

function logChange(
  logger: Logger | undefined,
  subsystem: string,
  previous: SubsystemStatus,
  next: SubsystemStatus,
): void {
  if (logger === undefined) return;
  if (previous.level === next.level && previous.checkedAt !== undefined) return;
  if (previous.checkedAt === undefined && next.level === "OK") return;
  const fields = { subsystem, status: next.level, reason: next.message || undefined };
  if (next.level === "OK") logger.info(fields, "status changed");
  else logger.warn(fields, "status changed");
}
