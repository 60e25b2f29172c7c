import { join } from "node:path";
import { runH1Load } from "../../gateway/bench/h1-load.js";
import { mintAdminToken } from "../../test/support/test-users.js";
import { startOtlpReceiver } from "../../test/tracing/otlp-receiver.js";
import { startCpuMeter } from "../cpu-usage.js";
import { readLatencies } from "../h2load.js";
import { type LatencySummary, summarizeLatencies } from "../percentiles.js";
import { waitForQuiet } from "../quiet.js";
import { benchUserIds } from "../servers/user-store.js";
import type { Mode, ModeName } from "./observability-modes.js";
import { type ObservedStack, type StackCerts, startObservedStack } from "./observed-stack.js";

/** RoundOptions are one measurement's load settings. */
export interface RoundOptions {
  readonly certs: StackCerts;
  /** A scratch directory for h2load's latency log. */
  readonly dir: string;
  readonly h2load: string;
  readonly connections: number;
  readonly warmupS: number;
  readonly durationS: number;
  readonly quietWaitS: number;
  readonly log: (line: string) => void;
}

/** ObservabilityRow is one measurement of GET /v1/users/{id} through the gateway. */
export interface ObservabilityRow {
  readonly kind: ModeName;
  readonly callsPerSec: number;
  readonly latency: LatencySummary;
  /** Percent of one core; both run on core 1. */
  readonly identityCpu: number;
  readonly gatewayCpu: number;
  /** h2load on core 0. */
  readonly loadCpu: number;
  /** This process on core 0: the OTLP sink decoding every span (near 0 when off). */
  readonly sinkCpu: number;
  readonly otherCpu: readonly [number, number];
  /** GetUser calls identity's `/metrics` counted OK over h2load's 2xx: metrics saw every call. */
  readonly handledRatio: number;
  readonly failed: number;
  /** Spans the sink received per 2xx request (NaN when tracing is off). */
  readonly spansPerCall: number;
}

const USER_ID = benchUserIds()[0]!;

/**
 * benchRound starts the stack with one mode's observability, proves the
 * path, warms it up and measures it: h2load --h1 (core 0) → gateway
 * (core 1) → mTLS gRPC → identity (core 1). When tracing, spans go to an OTLP
 * receiver in this process (core 0) and are counted once both processes
 * have drained, which flushes their exporters.
 */
export async function benchRound(mode: Mode, opts: RoundOptions): Promise<ObservabilityRow> {
  const kind = mode.name;
  const sink = mode.tracing ? await startOtlpReceiver() : undefined;
  const stack = await startObservedStack(
    { logLevel: mode.logLevel, otlpEndpoint: sink?.endpoint },
    opts.certs,
  ).catch(async (err: unknown) => {
    await sink?.close();
    throw err;
  });
  try {
    // An operator's token (admin scope: any user); a fresh one per round outlives it.
    const authorization = `Bearer ${await mintAdminToken(opts.certs.dir)}`;
    await verify(stack, kind, authorization, opts.log);
    const url = `http://127.0.0.1:${stack.port}/v1/users/${USER_ID}`;
    const headers = [`authorization: ${authorization}`];
    const load = { binary: opts.h2load, url, connections: opts.connections, headers };
    await waitForQuiet(opts.quietWaitS, opts.log);
    opts.log(`  ${kind}: warm-up ${opts.warmupS}s`);
    const warm = await runH1Load({ ...load, durationS: opts.warmupS });
    opts.log(`  ${kind}: measuring ${opts.durationS}s`);
    const logFile = join(opts.dir, `${kind}.h2load.log`);
    const before = await countedCalls(stack);
    const self = process.cpuUsage();
    const cpu = startCpuMeter({ identity: stack.identityPid, gateway: stack.gatewayPid });
    const started = performance.now();
    const result = await runH1Load({ ...load, durationS: opts.durationS, logFile });
    const usage = cpu();
    const seconds = (performance.now() - started) / 1000;
    const selfCpu = process.cpuUsage(self);
    const after = await countedCalls(stack);
    await stack.stop();
    const { identity: identityCpu = 0, gateway: gatewayCpu = 0 } = usage.processes;
    const sinkCpu = ((selfCpu.user + selfCpu.system) / 1e6 / seconds) * 100;
    const requests = VERIFY_CALLS + warm.status2xx + result.status2xx;
    return {
      kind,
      callsPerSec: result.reqPerSec,
      latency: summarizeLatencies(readLatencies(logFile)),
      identityCpu,
      gatewayCpu,
      loadCpu: usage.reaped,
      sinkCpu,
      otherCpu: [
        Math.max(0, usage.cores[0]! - usage.reaped - sinkCpu),
        Math.max(0, usage.cores[1]! - identityCpu - gatewayCpu),
      ],
      handledRatio: (after - before) / Math.max(1, result.status2xx),
      failed: result.failed + result.errored + (result.done - result.status2xx),
      spansPerCall: sink ? sink.spans().length / requests : Number.NaN,
    };
  } finally {
    await stack.stop();
    await sink?.close();
  }
}

// verify makes one good and one bad call.
const VERIFY_CALLS = 1;

/**
 * verify proves the measured path is the real one: with the token, the
 * user comes back as public JSON, and a malformed id is refused by
 * identity's protovalidate rule, so the gateway really calls through.
 */
async function verify(
  stack: ObservedStack,
  kind: string,
  authorization: string,
  log: (line: string) => void,
) {
  const base = `http://127.0.0.1:${stack.port}/v1/users`;
  const headers = { authorization };
  const ok = await fetch(`${base}/${USER_ID}`, { headers });
  const user = (await ok.json()) as { user_id?: string };
  if (ok.status !== 200 || user.user_id !== USER_ID) {
    throw new Error(`gateway GET: ${ok.status} ${JSON.stringify(user)}`);
  }
  const bad = await fetch(`${base}/not-a-uuid`, { headers });
  const { error } = (await bad.json()) as { error?: { code?: string } };
  if (bad.status !== 400 || error?.code !== "VALIDATION_FAILED") {
    throw new Error(`gateway GET bad id: ${bad.status} ${error?.code}`);
  }
  log(`  ${kind}: path live (user as JSON; bad uuid → 400 VALIDATION_FAILED)`);
}

/**
 * countedCalls reads identity's `/metrics`: the GetUser calls that ended OK
 * (`rpc_server_requests_total`, summed over its other labels).
 */
async function countedCalls(stack: ObservedStack): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${stack.identityAdminPort}/metrics`);
  let total = 0;
  let seen = false;
  for (const line of (await res.text()).split("\n")) {
    if (!line.startsWith("rpc_server_requests_total{")) continue;
    if (!line.includes("UserService/GetUser") || !line.includes('code="OK"')) continue;
    total += Number(line.slice(line.lastIndexOf(" ") + 1));
    seen = true;
  }
  return seen ? total : Number.NaN;
}
