import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createStatusMonitor, type StatusMonitor } from "./create-status-monitor.js";
import { error, ok, type StatusCheck, warn } from "./status-check.js";

let monitor: StatusMonitor | undefined;
afterEach(() => monitor?.stop());

function start(options: { intervalMs?: number; timeoutMs?: number; registry?: Registry } = {}) {
  monitor = createStatusMonitor({ intervalMs: 60_000, timeoutMs: 1_000, ...options });
  return monitor;
}

function counting(subsystem: string, result = ok({ n: 1 })) {
  let runs = 0;
  const check: StatusCheck = {
    subsystem,
    run: async () => {
      runs++;
      return result;
    },
  };
  return { check, runs: () => runs };
}

describe("createStatusMonitor", () => {
  it("says starting before it is started, and not checked yet before a first run", () => {
    const m = start();
    m.register(counting("database").check);
    expect(m.snapshot()).toMatchObject({ level: "ERROR", message: "starting" });
    expect(m.snapshot().subsystems.get("database")).toMatchObject({
      level: "WARN",
      message: "not checked yet",
      checkedAt: undefined,
    });
  });

  it("runs every check at start and serves snapshots from the cache", async () => {
    const m = start();
    const db = counting("database");
    m.register(db.check);
    m.start();
    await expect.poll(() => db.runs()).toBe(1);
    for (let i = 0; i < 100; i++) m.snapshot();
    await new Promise((r) => setTimeout(r, 50));
    expect(db.runs()).toBe(1);
    expect(m.snapshot()).toMatchObject({ level: "OK", message: "" });
    expect(m.snapshot().subsystems.get("database")).toMatchObject({
      level: "OK",
      metrics: { n: 1 },
    });
  });

  it("runs again every interval", async () => {
    const m = start({ intervalMs: 20 });
    const db = counting("database");
    m.register(db.check);
    m.start();
    await expect.poll(() => db.runs()).toBeGreaterThanOrEqual(3);
  });

  it("runs a check registered after start at once", async () => {
    const m = start();
    m.start();
    const late = counting("late");
    m.register(late.check);
    await expect.poll(() => late.runs()).toBe(1);
  });

  it("reports the worst level, naming the subsystems at that level", async () => {
    const m = start();
    m.register(counting("database", warn("slow")).check);
    m.register(counting("events", error("broker unreachable")).check);
    m.register(counting("upstreams", error("identity circuit open")).check);
    m.start();
    const snapshot = await m.refresh();
    expect(snapshot.level).toBe("ERROR");
    expect(snapshot.message).toBe("events: broker unreachable; upstreams: identity circuit open");
  });

  it("turns a throw into ERROR with its message", async () => {
    const m = start();
    m.register({
      subsystem: "cache",
      run: async () => {
        throw new Error("connection\nrefused");
      },
    });
    m.start();
    const snapshot = await m.refresh();
    expect(snapshot.subsystems.get("cache")).toMatchObject({
      level: "ERROR",
      message: "connection refused",
    });
  });

  it("reports a timeout, aborts the run, and starts no second run while it hangs", async () => {
    const m = start({ intervalMs: 10, timeoutMs: 30 });
    let runs = 0;
    let aborted = false;
    m.register({
      subsystem: "stuck",
      run: ({ signal }) => {
        runs++;
        signal.addEventListener("abort", () => {
          aborted = true;
        });
        return new Promise(() => {});
      },
    });
    m.start();
    await expect.poll(() => m.snapshot().subsystems.get("stuck")?.level).toBe("ERROR");
    expect(m.snapshot().subsystems.get("stuck")?.message).toBe("check timed out after 30 ms");
    expect(aborted).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toBe(1);
  });

  it("refreshes within the timeout even when a check hangs", async () => {
    const m = start({ timeoutMs: 30 });
    m.register({ subsystem: "stuck", run: () => new Promise(() => {}) });
    m.start();
    const snapshot = await m.refresh();
    expect(snapshot).toMatchObject({
      level: "ERROR",
      message: "stuck: check timed out after 30 ms",
    });
  });

  it("exports status_check and status_check_runs_total per subsystem", async () => {
    const registry = new Registry();
    const m = start({ registry });
    m.register(counting("database", warn("slow")).check);
    m.start();
    await m.refresh();
    const text = await registry.metrics();
    expect(text).toContain('status_check{subsystem="database"} 1');
    expect(text).toMatch(/status_check_runs_total\{subsystem="database"\} [12]/);
  });

  it("refuses names that cannot be a status key or path, and duplicates", () => {
    const m = start();
    for (const subsystem of ["Database", "health", "a-b", ""]) {
      expect(() => m.register({ subsystem, run: async () => ok() })).toThrow(/status subsystem/);
    }
    m.register({ subsystem: "database", run: async () => ok() });
    expect(() => m.register({ subsystem: "database", run: async () => ok() })).toThrow(
      "registered twice",
    );
  });

  it("keeps the last results after stop and ignores runs still going", async () => {
    const m = start();
    let release: () => void = () => {};
    let slow = false;
    m.register({
      subsystem: "database",
      run: async () => {
        if (slow) {
          await new Promise<void>((r) => {
            release = r;
          });
        }
        return slow ? error("closed") : ok();
      },
    });
    m.start();
    await m.refresh();
    slow = true;
    const pending = m.refresh();
    m.stop();
    release();
    await pending;
    expect(m.snapshot().level).toBe("OK");
  });
});
