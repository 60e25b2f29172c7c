/**
 * `npm run bench:observability`: what full observability costs, side by
 * side in one run. The same request, GET /v1/users/{id}, goes h2load --h1
 * (core 0) → gateway/main.ts → mTLS gRPC → identity (both on core 1; the
 * runtime of bench/observability/identity-service.ts with GetUser on an
 * in-memory map, so nothing but the platform is measured), two ways:
 *
 * - OFF: no OTEL_EXPORTER_OTLP_ENDPOINT (no spans are made), LOG_LEVEL=warn
 *   (no per-call log line);
 * - ON: tracing at 100% sampling, batched and exported over OTLP/gRPC to a
 *   receiver in this process (test/tracing/otlp-receiver.ts, core 0), and
 *   LOG_LEVEL=info (identity's line per RPC), logs on stdout to /dev/null.
 *
 * RED metrics are recorded in both rows: the platform has no switch for
 * them. BENCH_MODES=off,on,traces,logs adds rows with only tracing and
 * only the info logs, to show which part costs what. Rounds interleave the
 * rows; each keeps its best round (others on the machine can only slow a
 * round down). Settings: BENCH_DURATION (10 s), BENCH_WARMUP (5 s),
 * BENCH_ROUNDS (2), BENCH_CONNECTIONS (100), BENCH_QUIET_WAIT (60 s),
 * BENCH_PROFILE_DIR (a V8 CPU profile of each server process).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { ensureDevCa, ensureServiceCert } from "../../platform/pki/index.js";
import { LOAD_CORE, onCleanup, requireTools } from "../children.js";
import { parseModes } from "./observability-modes.js";
import { observabilityReport } from "./observability-report.js";
import { benchRound, type ObservabilityRow } from "./observability-round.js";

const env = (name: string, fallback: string) => process.env[`BENCH_${name}`] || fallback;
const settings = {
  durationS: Number(env("DURATION", "10")),
  warmupS: Number(env("WARMUP", "5")),
  rounds: Number(env("ROUNDS", "2")),
  quietWaitS: Number(env("QUIET_WAIT", "60")),
  // As bench:gateway's REST row: 100 connections, one request in flight each.
  connections: Number(env("CONNECTIONS", "100")),
  modes: parseModes(env("MODES", "off,on")),
};
const log = (line: string) => console.error(line);

async function main(): Promise<void> {
  const tools = requireTools(["taskset", "h2load"]);
  if (cpus().length < 2) throw new Error("the benchmark pins load and servers to two cores");
  execFileSync(tools.taskset, ["-a", "-p", "-c", String(LOAD_CORE), String(process.pid)], {
    stdio: "ignore",
  });
  console.log(banner(tools.h2load));
  const dir = mkdtempSync(join(tmpdir(), "pp-bench-obs-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  await ensureDevCa(dir);
  const certs = {
    dir,
    identity: await ensureServiceCert(dir, { service: "identity" }),
    gateway: await ensureServiceCert(dir, { service: "gateway" }),
  };
  const rows: ObservabilityRow[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    log(`round ${round} of ${settings.rounds}`);
    for (const mode of settings.modes) {
      rows.push(await benchRound(mode, { certs, dir, h2load: tools.h2load, ...settings, log }));
    }
  }

  console.log(
    `\nGET /v1/users/{id} via the gateway, in-memory identity; best of ${settings.rounds} rounds (medians of rounds below the ratios)\n`,
  );
  console.log(observabilityReport(rows));
}

function banner(h2load: string): string {
  const version = execFileSync(h2load, ["--version"], { encoding: "utf8" }).split("\n")[0]!.trim();
  return [
    `protoplane observability bench — ${new Date().toISOString()}`,
    `machine: ${cpus().length} x ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; ${version}`,
    `rows: ${settings.modes.map((m) => m.name).join(", ")}; ${settings.rounds} rounds, ${settings.warmupS}s warm-up + ${settings.durationS}s measured per row; gateway + identity on core 1, h2load --h1 -c ${settings.connections} and the OTLP sink on core 0`,
  ].join("\n");
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
