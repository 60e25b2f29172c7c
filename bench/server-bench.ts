import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import type { BenchPki } from "./bench-pki.js";
import { startCpuMeter } from "./cpu-usage.js";
import { callGetUser, h2cCredentials, mtlsCredentials } from "./grpc-js-call.js";
import { GET_USER_PATH } from "./grpc-js-definition.js";
import { readLatencies, runH2load, writeGrpcBody } from "./h2load.js";
import { startHaproxy } from "./haproxy.js";
import { type LatencySummary, summarizeLatencies } from "./percentiles.js";
import { waitForQuiet } from "./quiet.js";
import { type ServerKind, type ServerProcess, startServer } from "./server-process.js";
import { benchUserIds } from "./servers/user-store.js";

/** ServerBenchOptions are the load settings, the same for every server. */
export interface ServerBenchOptions {
  readonly pki: BenchPki;
  readonly tools: { h2load: string; haproxy: string };
  readonly clients: number;
  readonly streams: number;
  readonly warmupS: number;
  readonly durationS: number;
  /** Longest wait for an idle machine before each server's warm-up. */
  readonly quietWaitS: number;
  /** Profile this kind's server with `node --cpu-prof` into this dir. */
  readonly profile?: { kind: ServerKind; dir: string };
  readonly log: (line: string) => void;
}

/** ServerRow is one server's measurement. */
export interface ServerRow {
  readonly kind: ServerKind;
  readonly callsPerSec: number;
  readonly latency: LatencySummary;
  /** Percent of one core: the server process, haproxy and h2load. */
  readonly serverCpu: number;
  readonly haproxyCpu: number;
  readonly h2loadCpu: number;
  /**
   * CPU on each core that was none of ours (other processes on the
   * machine). Non-zero means the run was disturbed.
   */
  readonly otherCpu: readonly [number, number];
  /** Responses the server's handler produced, over h2load's HTTP 2xx count. */
  readonly handledRatio: number;
  readonly failed: number;
}

const USER_ID = benchUserIds()[0]!;

/**
 * benchServer measures one server kind behind haproxy: start it, prove the
 * path returns grpc-status 0 (and, for the platform, that policy and
 * validation are live), warm up, then run h2load for the fixed duration.
 */
export async function benchServer(kind: ServerKind, opts: ServerBenchOptions): Promise<ServerRow> {
  const { pki } = opts;
  const server = await startServer(kind, {
    certFile: pki.server.certFile,
    keyFile: pki.server.keyFile,
    caFile: pki.server.caFile,
    ...(opts.profile?.kind === kind ? { cpuProfDir: opts.profile.dir } : {}),
  });
  const haproxy = await startHaproxy({
    binary: opts.tools.haproxy,
    dir: pki.dir,
    serverPort: server.port,
    clientPemFile: pki.clientPemFile,
    caFile: pki.client.caFile,
  });
  try {
    await verify(kind, server, haproxy.port, opts);
    const load = {
      binary: opts.tools.h2load,
      url: `http://127.0.0.1:${haproxy.port}${GET_USER_PATH}`,
      bodyFile: writeGrpcBody(pki.dir, USER_ID),
      clients: opts.clients,
      streams: opts.streams,
      logFile: join(pki.dir, `${kind}.h2load.log`),
    };
    await waitForQuiet(opts.quietWaitS, opts.log);
    opts.log(`  ${kind}: warm-up ${opts.warmupS}s`);
    await runH2load({ ...load, durationS: opts.warmupS, logFile: undefined });
    opts.log(`  ${kind}: measuring ${opts.durationS}s`);
    const before = await server.stats();
    const cpu = startCpuMeter({ server: server.pid, haproxy: haproxy.pid });
    const result = await runH2load({ ...load, durationS: opts.durationS });
    const usage = cpu();
    const after = await server.stats();
    const { server: serverCpu = 0, haproxy: haproxyCpu = 0 } = usage.processes;
    return {
      kind,
      callsPerSec: result.reqPerSec,
      latency: summarizeLatencies(readLatencies(load.logFile)),
      serverCpu,
      haproxyCpu,
      h2loadCpu: usage.reaped,
      otherCpu: [
        Math.max(0, usage.cores[0]! - haproxyCpu - usage.reaped),
        Math.max(0, usage.cores[1]! - serverCpu),
      ],
      handledRatio: (after.handled - before.handled) / Math.max(1, result.status2xx),
      failed: result.failed + result.errored + (after.notFound - before.notFound),
    };
  } finally {
    await haproxy.stop();
    await server.stop();
  }
}

async function verify(
  kind: ServerKind,
  server: ServerProcess,
  haproxyPort: number,
  opts: ServerBenchOptions,
): Promise<void> {
  const ok = await callGetUser(`127.0.0.1:${haproxyPort}`, h2cCredentials(), USER_ID);
  if (ok.code !== status.OK || ok.response?.user?.userId !== USER_ID) {
    throw new Error(`${kind} via haproxy: grpc-status ${ok.code} ${ok.message}`);
  }
  if (kind !== "platform") return;
  // The platform row only means something if its chain really runs.
  const invalid = await callGetUser(`127.0.0.1:${haproxyPort}`, h2cCredentials(), "not-a-uuid");
  const stranger = await callGetUser(
    `127.0.0.1:${server.port}`,
    mtlsCredentials(opts.pki.stranger),
    USER_ID,
  );
  if (invalid.code !== status.INVALID_ARGUMENT || stranger.code !== status.PERMISSION_DENIED) {
    throw new Error(
      `platform chain not active: invalid id → ${invalid.code}, billing caller → ${stranger.code}`,
    );
  }
  opts.log("  platform: chain live (bad uuid → INVALID_ARGUMENT, billing → PERMISSION_DENIED)");
}
