import { join } from "node:path";
import type { BenchPki } from "../../bench/bench-pki.js";
import { startCpuMeter } from "../../bench/cpu-usage.js";
import { readLatencies } from "../../bench/h2load.js";
import { type LatencySummary, summarizeLatencies } from "../../bench/percentiles.js";
import { waitForQuiet } from "../../bench/quiet.js";
import { type ServerStartOptions, startServer } from "../../bench/server-process.js";
import { benchUserIds } from "../../bench/servers/user-store.js";
import type { ServiceCert } from "../../platform/pki/index.js";
import {
  type GatewayProcess,
  type GatewayProcessOptions,
  startGatewayProcess,
} from "./gateway-process.js";
import { runH1Load } from "./h1-load.js";

/** RestBenchOptions are the REST side's load settings. */
export interface RestBenchOptions {
  readonly pki: BenchPki;
  /** The gateway's certificate, from the same CA (identity's policy admits `gateway`). */
  readonly gatewayCert: ServiceCert;
  readonly h2load: string;
  readonly connections: number;
  readonly warmupS: number;
  readonly durationS: number;
  readonly quietWaitS: number;
  /** Profile the gateway and the identity server with `node --cpu-prof` into this dir. */
  readonly profileDir?: string;
  readonly log: (line: string) => void;
  /** Another identity server entry and settings; default bench/servers/platform-server.ts. */
  readonly server?: Pick<ServerStartOptions, "entry" | "extraEnv">;
  /** Another gateway entry and settings; default gateway/main.ts as deployed. */
  readonly gateway?: Pick<GatewayProcessOptions, "entry" | "extraEnv">;
  /** Request headers h2load sends on every request (e.g. Authorization). */
  readonly headers?: readonly string[];
  /** Proves the path live before the load; default: the user's JSON and a 400 for a bad id. */
  readonly verify?: (gateway: GatewayProcess, log: (line: string) => void) => Promise<void>;
}

/** RestRow is one measurement of GET /v1/users/{id} through the gateway. */
export interface RestRow {
  readonly kind: "rest";
  readonly callsPerSec: number;
  readonly latency: LatencySummary;
  /** Percent of one core: the identity server and the gateway, both on core 1. */
  readonly serverCpu: number;
  readonly gatewayCpu: number;
  /** h2load, on core 0. */
  readonly loadCpu: number;
  readonly otherCpu: readonly [number, number];
  /** RPCs the server answered over h2load's 2xx count (1.000: every 200 was a real call). */
  readonly handledRatio: number;
  readonly failed: number;
}

const USER_ID = benchUserIds()[0]!;

/**
 * benchRest measures the REST path: h2load --h1 (core 0) → gateway/main.ts
 * (core 1) → mTLS gRPC → the same in-memory identity server the gRPC row
 * measures (core 1). Both processes share core 1, so the row's calls/s is
 * what one core does when it runs the gateway and the service together.
 */
export async function benchRest(opts: RestBenchOptions): Promise<RestRow> {
  const { pki } = opts;
  const profile = opts.profileDir ? { cpuProfDir: opts.profileDir } : {};
  const server = await startServer("platform", {
    certFile: pki.server.certFile,
    keyFile: pki.server.keyFile,
    caFile: pki.server.caFile,
    ...profile,
    ...opts.server,
  });
  const gateway = await startGatewayProcess({
    certFile: opts.gatewayCert.certFile,
    keyFile: opts.gatewayCert.keyFile,
    caFile: opts.gatewayCert.caFile,
    identityPort: server.port,
    ...profile,
    ...opts.gateway,
  });
  try {
    await (opts.verify ?? verify)(gateway, opts.log);
    const url = `http://127.0.0.1:${gateway.port}/v1/users/${USER_ID}`;
    const headers = opts.headers ?? [];
    const load = { binary: opts.h2load, url, connections: opts.connections, headers };
    await waitForQuiet(opts.quietWaitS, opts.log);
    opts.log(`  rest: warm-up ${opts.warmupS}s`);
    await runH1Load({ ...load, durationS: opts.warmupS });
    opts.log(`  rest: measuring ${opts.durationS}s`);
    const logFile = join(pki.dir, "rest.h2load.log");
    const before = await server.stats();
    const cpu = startCpuMeter({ server: server.pid, gateway: gateway.pid });
    const result = await runH1Load({ ...load, durationS: opts.durationS, logFile });
    const usage = cpu();
    const after = await server.stats();
    const { server: serverCpu = 0, gateway: gatewayCpu = 0 } = usage.processes;
    return {
      kind: "rest",
      callsPerSec: result.reqPerSec,
      latency: summarizeLatencies(readLatencies(logFile)),
      serverCpu,
      gatewayCpu,
      loadCpu: usage.reaped,
      otherCpu: [
        Math.max(0, usage.cores[0]! - usage.reaped),
        Math.max(0, usage.cores[1]! - serverCpu - gatewayCpu),
      ],
      handledRatio: (after.handled - before.handled) / Math.max(1, result.status2xx),
      failed: result.failed + result.errored + (result.done - result.status2xx),
    };
  } finally {
    await gateway.stop();
    await server.stop();
  }
}

/**
 * verify proves the measured path is the real one before loading it: the
 * user comes back as the public JSON, and a malformed id is refused by the
 * service's protovalidate rule (so the gateway really calls through).
 */
async function verify(gateway: GatewayProcess, log: (line: string) => void): Promise<void> {
  const base = `http://127.0.0.1:${gateway.port}/v1/users`;
  const ok = await fetch(`${base}/${USER_ID}`);
  const user = (await ok.json()) as { user_id?: string; version?: string };
  if (ok.status !== 200 || user.user_id !== USER_ID || user.version !== "1") {
    throw new Error(`gateway GET: ${ok.status} ${JSON.stringify(user)}`);
  }
  const bad = await fetch(`${base}/not-a-uuid`);
  const { error } = (await bad.json()) as { error?: { code?: string } };
  if (bad.status !== 400 || error?.code !== "VALIDATION_FAILED") {
    throw new Error(`gateway GET bad id: ${bad.status} ${error?.code}`);
  }
  log("  rest: path live (user as snake_case JSON; bad uuid → 400 VALIDATION_FAILED)");
}
