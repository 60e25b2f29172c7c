/**
 * `npm run bench`: the RPC hot path, side by side in one run.
 *
 * Server table: four mTLS servers run the same GetUser handler, each alone
 * on core 1; h2load and haproxy (which adds the client certificate) load
 * them from core 0. Client table: the platform client and grpc-js's client,
 * each alone on core 0, call one grpc-js server on core 1.
 * Settings come from BENCH_* variables, see docs/benchmarks.md.
 */

import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { type BenchPki, createBenchPki } from "./bench-pki.js";
import { LOAD_CORE, requireTools } from "./children.js";
import { benchClients, type ClientKind, platformClientAvailable } from "./client-bench.js";
import { bestOf, clientTable, serverTable } from "./report.js";
import { benchServer, type ServerRow } from "./server-bench.js";
import type { ServerKind } from "./server-process.js";

const env = (name: string, fallback: string) => process.env[`BENCH_${name}`] || fallback;
const settings = {
  durationS: Number(env("DURATION", "10")),
  warmupS: Number(env("WARMUP", "5")),
  clientWarmupS: Number(env("CLIENT_WARMUP", "3")),
  clients: Number(env("CLIENTS", "4")),
  streams: Number(env("STREAMS", "25")),
  concurrency: Number(env("CONCURRENCY", "100")),
  rounds: Number(env("ROUNDS", "2")),
  quietWaitS: Number(env("QUIET_WAIT", "60")),
  servers: env("SERVERS", "bare-http2,grpc-js,connect-node,platform").split(",") as ServerKind[],
  only: env("ONLY", "all"),
  profileDir: process.env["BENCH_PROFILE_DIR"],
  profileKind: env("PROFILE_SERVER", "platform") as ServerKind,
};
const log = (line: string) => console.error(line);

async function main(): Promise<void> {
  const tools = requireTools(["taskset", "h2load", "haproxy"]);
  if (cpus().length < 2) throw new Error("the benchmark pins load and server to two cores");
  // The orchestrator stays off the server core: it is idle while measuring,
  // but it parses logs and starts processes in between.
  execFileSync(tools.taskset, ["-a", "-p", "-c", String(LOAD_CORE), String(process.pid)], {
    stdio: "ignore",
  });
  console.log(banner(tools));
  const pki = await createBenchPki();
  if (settings.only !== "clients") await runServerBench(pki, tools);
  if (settings.only !== "servers") await runClientBench(pki);
}

async function runServerBench(pki: BenchPki, tools: { h2load: string; haproxy: string }) {
  log(`server benchmark (h2load -c ${settings.clients} -m ${settings.streams} via haproxy)`);
  const profile = settings.profileDir
    ? { profile: { kind: settings.profileKind, dir: settings.profileDir } }
    : {};
  const rows: ServerRow[] = [];
  // Rounds interleave the servers, so a burst of outside load hits one
  // round of each rather than every round of one.
  for (let round = 1; round <= settings.rounds; round++) {
    log(`round ${round} of ${settings.rounds}`);
    for (const kind of settings.servers) {
      rows.push(await benchServer(kind, { pki, tools, ...settings, ...profile, log }));
    }
  }
  console.log(
    `\nServers: one core each, mTLS, GetUser on an in-memory map; best of ${settings.rounds}\n`,
  );
  console.log(serverTable(bestOf(rows)));
}

async function runClientBench(pki: BenchPki) {
  const kinds: ClientKind[] = ["grpc-js"];
  if (platformClientAvailable()) kinds.push("platform");
  else console.log("\nplatform/client/index.ts is missing: only the grpc-js client runs");
  log(`client benchmark (${settings.concurrency} calls in flight)`);
  const rows = await benchClients(kinds, settings.rounds, {
    pki,
    concurrency: settings.concurrency,
    warmupS: settings.clientWarmupS,
    durationS: settings.durationS,
    quietWaitS: settings.quietWaitS,
    log,
  });
  console.log(
    `\nClients: one core each, calling grpc-js on the other core; best of ${settings.rounds}\n`,
  );
  console.log(clientTable(bestOf(rows)));
}

function banner(tools: { h2load: string; haproxy: string }): string {
  const version = (cmd: string, args: string[]) =>
    execFileSync(cmd, args, { encoding: "utf8" }).split("\n")[0]!.trim();
  return [
    `protoplane rpc bench — ${new Date().toISOString()}`,
    `machine: ${cpus().length} x ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}`,
    `load: ${version(tools.h2load, ["--version"])}, ${version(tools.haproxy, ["-v"]).replace(/ - https.*/, "")}`,
    `settings: ${settings.rounds} rounds, ${settings.warmupS}s warm-up + ${settings.durationS}s measured per server; server core 1, load core 0`,
  ].join("\n");
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
