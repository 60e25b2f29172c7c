import { type Best, table } from "../../bench/report.js";
import type { ServerRow } from "../../bench/server-bench.js";
import type { RestRow } from "./rest-bench.js";

/** TARGET_RATIO is the REST/gRPC calls/s the gateway must keep (one core's budget). */
export const TARGET_RATIO = 0.6;

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toString() : "n/a");
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "n/a");
const pct = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)}%` : "n/a");
const rounds = (r: readonly number[]) => r.map(int).join(" / ");

/** PATH_COLUMNS head a table of paths: gatewayReport's, and bench:auth's. */
export const PATH_COLUMNS: readonly string[] = [
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
];

/** restCells is one REST row under PATH_COLUMNS. */
export function restCells(label: string, rest: Best<RestRow>): string[] {
  return [
    label,
    int(rest.callsPerSec),
    rounds(rest.rounds),
    ms(rest.latency.p50),
    ms(rest.latency.p99),
    pct(rest.serverCpu),
    pct(rest.gatewayCpu),
    pct(rest.loadCpu),
    `${pct(rest.otherCpu[0])}/${pct(rest.otherCpu[1])}`,
    okColumn(rest.handledRatio, rest.failed),
  ];
}

/**
 * perCore is calls per core-second of CPU actually used (`cpu` in percent
 * of one core): robust when a row left its core partly idle.
 */
export function perCore(callsPerSec: number, cpu: number): number {
  return callsPerSec / (cpu / 100);
}

/**
 * gatewayReport prints both paths and the ratio, and the floor row when measured. Core 1 is the serving
 * core (identity, plus the gateway on the REST path); "other" is CPU on
 * each core that was none of ours, i.e. how disturbed the run was.
 */
export function gatewayReport(
  grpc: Best<ServerRow>,
  rest: Best<RestRow>,
  floor?: Best<RestRow>,
): string {
  const body = table(PATH_COLUMNS, [
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
    restCells("REST via gateway", rest),
    ...(floor ? [restCells("floor: bare http→http2", floor)] : []),
  ]);
  const ratio = rest.callsPerSec / grpc.callsPerSec;
  // Per core-second of core 1 actually used: robust when a row left core 1 partly idle.
  const cpuRatio =
    perCore(rest.callsPerSec, rest.serverCpu + rest.gatewayCpu) /
    perCore(grpc.callsPerSec, grpc.serverCpu);
  const verdict = ratio >= TARGET_RATIO ? "meets" : "BELOW";
  return [
    body,
    "",
    `REST / gRPC: ${ratio.toFixed(2)}x calls/s on the same one-core budget (${verdict} the ${TARGET_RATIO}x target; grpc-gateway's published figure is 0.12x)`,
    `REST / gRPC per core-second used on core 1: ${cpuRatio.toFixed(2)}x; the gateway costs ≈ ${((1 / cpuRatio - 1) * 100).toFixed(0)}% of the service's own CPU per request`,
    ...(floor ? [floorLine(grpc, rest, floor)] : []),
  ].join("\n");
}

// The floor row bounds any Node gateway: how far it is from gRPC, and how
// much of it the real gateway keeps.
function floorLine(grpc: Best<ServerRow>, rest: Best<RestRow>, floor: Best<RestRow>): string {
  const ofGrpc = floor.callsPerSec / grpc.callsPerSec;
  const kept = rest.callsPerSec / floor.callsPerSec;
  return `floor (bare node:http + one node:http2 call) / gRPC: ${ofGrpc.toFixed(2)}x calls/s; the gateway reaches ${kept.toFixed(2)}x of that floor`;
}

function okColumn(handledRatio: number, failed: number): string {
  const ratio = handledRatio.toFixed(3);
  return failed > 0 ? `${ratio} (${failed} failed)` : ratio;
}
