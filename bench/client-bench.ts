import { once } from "node:events";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { BenchPki } from "./bench-pki.js";
import { LOAD_CORE, spawnPinned } from "./children.js";
import { MEASURE_START } from "./clients/client-entry.js";
import type { LoopResult } from "./clients/closed-loop.js";
import { type CpuReport, startCpuMeter } from "./cpu-usage.js";
import { waitForQuiet } from "./quiet.js";
import { startServer } from "./server-process.js";

/** ClientKind names a file `bench/clients/<kind>-client.ts`. */
export type ClientKind = "grpc-js" | "platform";

/** ClientRow is one client's measurement against the shared server. */
export interface ClientRow extends LoopResult {
  readonly kind: ClientKind;
  /** The grpc-js server's CPU during the window, percent of one core. */
  readonly serverCpu: number;
  /** CPU on each core used by none of ours: non-zero means a disturbed run. */
  readonly otherCpu: readonly [number, number];
}

/** ClientBenchOptions are the loop settings, the same for every client. */
export interface ClientBenchOptions {
  readonly pki: BenchPki;
  readonly concurrency: number;
  readonly warmupS: number;
  readonly durationS: number;
  /** Longest wait for an idle machine before each client run. */
  readonly quietWaitS: number;
  readonly log: (line: string) => void;
}

const here = fileURLToPath(new URL(".", import.meta.url));

/** platformClientAvailable says whether `platform/client` exists yet. */
export const platformClientAvailable = (): boolean =>
  existsSync(join(here, "..", "platform", "client", "index.ts"));

/**
 * benchClients runs each client, one after the other, in its own process on
 * LOAD_CORE against one raw grpc-js server on SERVER_CORE. A client is
 * measured by its own completions per second and its own CPU; the server's
 * CPU is shown so a saturated server (which would cap the client) is seen.
 */
export async function benchClients(
  kinds: readonly ClientKind[],
  rounds: number,
  opts: ClientBenchOptions,
): Promise<ClientRow[]> {
  const { pki } = opts;
  const server = await startServer("grpc-js", {
    certFile: pki.server.certFile,
    keyFile: pki.server.keyFile,
    caFile: pki.server.caFile,
  });
  try {
    const rows: ClientRow[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const kind of kinds) {
        await waitForQuiet(opts.quietWaitS, opts.log);
        opts.log(`  round ${round}, ${kind} client: ${opts.warmupS}s warm-up, ${opts.durationS}s`);
        rows.push(await runClient(kind, server.port, server.pid, opts));
      }
    }
    return rows;
  } finally {
    await server.stop();
  }
}

async function runClient(
  kind: ClientKind,
  port: number,
  serverPid: number,
  opts: ClientBenchOptions,
): Promise<ClientRow> {
  const child = spawnPinned(
    LOAD_CORE,
    process.execPath,
    ["--import", "tsx", join(here, "clients", `${kind}-client.ts`)],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: {
        ...process.env,
        BENCH_TARGET: `127.0.0.1:${port}`,
        BENCH_CERT_FILE: opts.pki.client.certFile,
        BENCH_KEY_FILE: opts.pki.client.keyFile,
        BENCH_CA_FILE: opts.pki.client.caFile,
        BENCH_CONCURRENCY: String(opts.concurrency),
        BENCH_WARMUP_MS: String(opts.warmupS * 1000),
        BENCH_DURATION_MS: String(opts.durationS * 1000),
      },
    },
  );
  let meter: ReturnType<typeof startCpuMeter> | undefined;
  let usage: CpuReport | undefined;
  let result: LoopResult | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line === MEASURE_START) {
      meter = startCpuMeter({ server: serverPid, client: child.pid! });
    } else if (line.startsWith("{")) {
      usage = meter?.();
      result = JSON.parse(line) as LoopResult;
    }
  }
  if (result === undefined || usage === undefined) {
    const how = child.exitCode ?? child.signalCode ?? (await once(child, "exit")).join(" ");
    throw new Error(`${kind} client printed no result (exit: ${how})`);
  }
  const { server = 0, client = 0 } = usage.processes;
  return {
    kind,
    serverCpu: server,
    otherCpu: [Math.max(0, usage.cores[0]! - client), Math.max(0, usage.cores[1]! - server)],
    ...result,
  };
}
