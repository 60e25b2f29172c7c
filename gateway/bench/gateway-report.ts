import { type Best, table } from "../../bench/report.js";
import type { ServerRow } from "../../bench/server-bench.js";
import type { RestRow } from "./rest-bench.js";

/** TARGET_RATIO is the REST/gRPC calls/s the gateway must keep (one core's budget). */
export const TARGET_RATIO = 0.6;

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toString() : "n/a");
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "n/a");
const pct = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)}%` : "n/a");
const rounds = (r: readonly number[]) => r.map(int).join(" / ");

/**
 * gatewayReport prints both paths and the ratio. Core 1 is the serving
 * core (identity, plus the gateway on the REST path); "other" is CPU on
 * each core that was none of ours, i.e. how disturbed the run was.
 */
export function gatewayReport(grpc: Best<ServerRow>, rest: Best<RestRow>): string {
  const body = table(
    [
      "path",
      "calls/s",
      "all rounds",
      "p50 ms",
      "p99 ms",
      "identity CPU",
      "gateway CPU",
      "load CPU (c0)",
      "other c0/c1",
      "ok",
    ],
    [
      [
        "gRPC direct (mTLS)",
        int(grpc.callsPerSec),
        rounds(grpc.rounds),
        ms(grpc.latency.p50),
        ms(grpc.latency.p99),
        pct(grpc.serverCpu),
        "-",
        pct(grpc.h2loadCpu + grpc.haproxyCpu),
        `${pct(grpc.otherCpu[0])}/${pct(grpc.otherCpu[1])}`,
        okColumn(grpc.handledRatio, grpc.failed),
      ],
      [
        "REST via gateway",
        int(rest.callsPerSec),
        rounds(rest.rounds),
        ms(rest.latency.p50),
        ms(rest.latency.p99),
        pct(rest.serverCpu),
        pct(rest.gatewayCpu),
        pct(rest.loadCpu),
        `${pct(rest.otherCpu[0])}/${pct(rest.otherCpu[1])}`,
        okColumn(rest.handledRatio, rest.failed),
      ],
    ],
  );
  const ratio = rest.callsPerSec / grpc.callsPerSec;
  // Per core-second of core 1 actually used: robust when a row left core 1 partly idle.
  const perCore = (callsPerSec: number, cpu: number) => callsPerSec / (cpu / 100);
  const cpuRatio =
    perCore(rest.callsPerSec, rest.serverCpu + rest.gatewayCpu) /
    perCore(grpc.callsPerSec, grpc.serverCpu);
  const verdict = ratio >= TARGET_RATIO ? "meets" : "BELOW";
  return [
    body,
    "",
    `REST / gRPC: ${ratio.toFixed(2)}x calls/s on the same one-core budget (${verdict} the ${TARGET_RATIO}x target; grpc-gateway's published figure is 0.12x)`,
    `REST / gRPC per core-second used on core 1: ${cpuRatio.toFixed(2)}x; the gateway costs ≈ ${((1 / cpuRatio - 1) * 100).toFixed(0)}% of the service's own CPU per request`,
  ].join("\n");
}

function okColumn(handledRatio: number, failed: number): string {
  const ratio = handledRatio.toFixed(3);
  return failed > 0 ? `${ratio} (${failed} failed)` : ratio;
}
