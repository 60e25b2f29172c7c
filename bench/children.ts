import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The cores the benchmark uses: load generation on 0, the measured process on 1. */
export const LOAD_CORE = 0;
export const SERVER_CORE = 1;

const running = new Set<ChildProcess>();
const cleanups: (() => void)[] = [];

/**
 * spawnPinned starts `command` under `taskset -c <core>`. taskset execs the
 * command, so the child's pid is the real process's pid (what CPU
 * accounting reads) and every thread it starts, libuv's pool and V8's GC
 * helpers included, stays on that core. Children are killed when the
 * orchestrator exits, however it exits.
 */
export function spawnPinned(
  core: number,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  const child = spawn("taskset", ["-c", String(core), command, ...args], options);
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/** stopChild sends SIGTERM and waits for the exit, SIGKILL after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** onCleanup registers a synchronous cleanup (e.g. removing a temp dir) run at exit. */
export function onCleanup(fn: () => void): void {
  cleanups.push(fn);
}

function killAll(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
  for (const fn of cleanups.splice(0)) {
    try {
      fn();
    } catch {
      // Best effort: the process is exiting.
    }
  }
}

process.once("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * requireTools returns the absolute path of each tool, or exits with an
 * install hint when one is missing. The benchmark never installs anything.
 */
export function requireTools<T extends string>(tools: readonly T[]): Record<T, string> {
  const found = Object.fromEntries(tools.map((tool) => [tool, which(tool)])) as Record<
    T,
    string | undefined
  >;
  const missing = tools.filter((tool) => found[tool] === undefined);
  if (missing.length > 0) {
    console.error(`bench: missing ${missing.join(", ")}. Install them with:`);
    console.error("  sudo apt-get install -y nghttp2-client haproxy   # h2load, haproxy");
    console.error("  (taskset comes with util-linux)");
    process.exit(2);
  }
  return found as Record<T, string>;
}

// haproxy lives in /usr/sbin, which is not on every user's PATH.
function which(tool: string): string | undefined {
  const dirs = (process.env["PATH"] ?? "").split(delimiter).concat(["/usr/sbin", "/sbin"]);
  for (const dir of dirs) {
    const path = join(dir, tool);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}
