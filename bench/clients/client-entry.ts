import { readFileSync } from "node:fs";
import type { LoopOptions, LoopResult } from "./closed-loop.js";

/** ClientEnv is what the orchestrator hands a client child. */
export interface ClientEnv {
  /** `127.0.0.1:<port>` of an mTLS gRPC server. */
  readonly target: string;
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string };
  readonly loop: LoopOptions;
  /** Per-call deadline, the same for every client. */
  readonly deadlineMs: number;
}

/** readClientEnv reads BENCH_TARGET, the BENCH_*_FILE paths and the loop settings. */
export function readClientEnv(): ClientEnv {
  const file = (name: string) => readFileSync(process.env[name] ?? "", "utf8");
  const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  return {
    target: process.env["BENCH_TARGET"] ?? "",
    tls: { cert: file("BENCH_CERT_FILE"), key: file("BENCH_KEY_FILE"), ca: file("BENCH_CA_FILE") },
    loop: {
      concurrency: num("BENCH_CONCURRENCY", 100),
      warmupMs: num("BENCH_WARMUP_MS", 3000),
      durationMs: num("BENCH_DURATION_MS", 10000),
    },
    deadlineMs: 10_000,
  };
}

/** The line that tells the orchestrator the measurement window opened. */
export const MEASURE_START = JSON.stringify({ phase: "measure" });

/** report prints the result as the last stdout line and exits. */
export function report(result: LoopResult): never {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
