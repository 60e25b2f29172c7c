import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { LOAD_CORE } from "../../bench/children.js";

/** benchEnv reads `BENCH_<name>`, or the fallback when it is unset or empty. */
export function benchEnv(name: string, fallback: string): string {
  return process.env[`BENCH_${name}`] || fallback;
}

/** RestLoadSettings are the BENCH_* settings every gateway benchmark reads. */
export interface RestLoadSettings {
  readonly durationS: number;
  readonly warmupS: number;
  readonly rounds: number;
  readonly quietWaitS: number;
  /** h2load --h1 connections, one request in flight each. */
  readonly connections: number;
  /** BENCH_PROFILE_DIR: V8 CPU profiles of the serving processes. */
  readonly profileDir?: string;
}

/** restLoadSettings reads {@link RestLoadSettings}; see docs/benchmarks.md. */
export function restLoadSettings(): RestLoadSettings {
  const profileDir = process.env["BENCH_PROFILE_DIR"];
  return {
    durationS: Number(benchEnv("DURATION", "10")),
    warmupS: Number(benchEnv("WARMUP", "5")),
    rounds: Number(benchEnv("ROUNDS", "2")),
    quietWaitS: Number(benchEnv("QUIET_WAIT", "60")),
    connections: Number(benchEnv("CONNECTIONS", "100")),
    ...(profileDir ? { profileDir } : {}),
  };
}

/**
 * pinToLoadCore moves the orchestrator (every thread) onto LOAD_CORE, so it
 * stays off the serving core it measures; it needs two cores.
 */
export function pinToLoadCore(taskset: string): void {
  if (cpus().length < 2) throw new Error("the benchmark pins load and servers to two cores");
  execFileSync(taskset, ["-a", "-p", "-c", String(LOAD_CORE), String(process.pid)], {
    stdio: "ignore",
  });
}

/** toolVersion is the first line a tool prints for its version flag. */
export function toolVersion(cmd: string, args: readonly string[]): string {
  return execFileSync(cmd, [...args], { encoding: "utf8" })
    .split("\n")[0]!
    .trim();
}

/** machineLine names the CPU, memory and node version, for a banner. */
export function machineLine(): string {
  return `machine: ${cpus().length} x ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}`;
}

/** runBench runs a benchmark's main and exits 0, or prints the error and exits 1. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
