/**
 * `npm run bench:gateway`: what the REST gateway costs, side by side in one
 * run. The same GetUser, on the same in-memory identity server
 * (bench/servers/platform-server.ts: the platform's RPC server with its
 * full chain), is called two ways:
 *
 * - gRPC: h2load → haproxy (adds the client certificate) → identity.
 *   Core 1 runs identity alone. (bench/server-bench.ts, reused as is.)
 * - REST: h2load --h1 → gateway/main.ts → mTLS gRPC → identity.
 *   Core 1 runs identity and the gateway together.
 *
 * Load generation (and haproxy) run on core 0. Both paths get one core for
 * everything on the serving side, so REST/gRPC calls/s is the share of
 * that core the service still gets once the gateway runs beside it: the
 * gateway's cost per request relative to the service's. An in-memory
 * handler (not PGlite) keeps the database out of it: with a real query
 * per call the service would dominate and any gateway would look cheap.
 * Settings come from BENCH_* variables, see docs/benchmarks.md.
 */
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { createBenchPki } from "../../bench/bench-pki.js";
import { LOAD_CORE, requireTools } from "../../bench/children.js";
import { bestOf } from "../../bench/report.js";
import { benchServer, type ServerRow } from "../../bench/server-bench.js";
import { ensureServiceCert } from "../../platform/pki/index.js";
import { gatewayReport } from "./gateway-report.js";
import { benchRest, type RestRow } from "./rest-bench.js";

const env = (name: string, fallback: string) => process.env[`BENCH_${name}`] || fallback;
const settings = {
  durationS: Number(env("DURATION", "10")),
  warmupS: Number(env("WARMUP", "5")),
  rounds: Number(env("ROUNDS", "2")),
  quietWaitS: Number(env("QUIET_WAIT", "60")),
  // gRPC: 4 connections x 25 streams; REST: 100 connections x 1 request. 100 in flight each.
  clients: Number(env("CLIENTS", "4")),
  streams: Number(env("STREAMS", "25")),
  connections: Number(env("CONNECTIONS", "100")),
  profileDir: process.env["BENCH_PROFILE_DIR"],
};
const log = (line: string) => console.error(line);

async function main(): Promise<void> {
  const tools = requireTools(["taskset", "h2load", "haproxy"]);
  if (cpus().length < 2) throw new Error("the benchmark pins load and servers to two cores");
  execFileSync(tools.taskset, ["-a", "-p", "-c", String(LOAD_CORE), String(process.pid)], {
    stdio: "ignore",
  });
  console.log(banner(tools));
  const pki = await createBenchPki();
  const gatewayCert = await ensureServiceCert(pki.dir, { service: "gateway" });
  const grpc: ServerRow[] = [];
  const rest: RestRow[] = [];
  // Rounds interleave the two paths, so a burst of outside load hits one
  // round of each rather than every round of one.
  for (let round = 1; round <= settings.rounds; round++) {
    log(`round ${round} of ${settings.rounds}`);
    grpc.push(await benchServer("platform", { pki, tools, ...settings, log }));
    rest.push(
      await benchRest({
        pki,
        gatewayCert,
        h2load: tools.h2load,
        ...settings,
        ...(settings.profileDir ? { profileDir: settings.profileDir } : {}),
        log,
      }),
    );
  }
  console.log(`\nGetUser, in-memory identity; best of ${settings.rounds} rounds\n`);
  console.log(gatewayReport(bestOf(grpc)[0]!, bestOf(rest)[0]!));
}

function banner(tools: { h2load: string; haproxy: string }): string {
  const version = (cmd: string, args: string[]) =>
    execFileSync(cmd, args, { encoding: "utf8" }).split("\n")[0]!.trim();
  return [
    `protoplane gateway bench — ${new Date().toISOString()}`,
    `machine: ${cpus().length} x ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}`,
    `load: ${version(tools.h2load, ["--version"])}, ${version(tools.haproxy, ["-v"]).replace(/ - https.*/, "")}`,
    `settings: ${settings.rounds} rounds, ${settings.warmupS}s warm-up + ${settings.durationS}s measured per path; serving core 1, load core 0`,
    `load: gRPC h2load -c ${settings.clients} -m ${settings.streams} via haproxy; REST h2load --h1 -c ${settings.connections} -m 1`,
  ].join("\n");
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
