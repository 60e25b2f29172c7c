/**
 * `npm run bench:gateway`: what the REST gateway costs, side by side in one
 * run. The same GetUser, on the same in-memory identity server
 * (bench/servers/platform-server.ts: the platform's RPC server with its
 * full chain), is called two ways:
 *
 * - gRPC: h2load → haproxy (adds the client certificate) → identity.
 *   Core 1 runs identity alone. (bench/server-bench.ts, reused as is.)
 * - REST: h2load --h1 → the gateway (startGateway as deployed) → mTLS
 *   gRPC → identity. Core 1 runs identity and the gateway together.
 *
 * The REST path runs as bench:auth's "unauthenticated" mode: the gateway's
 * authenticator returns no principal and its read budget is unreachable.
 * The direct gRPC caller is a service with no user token, so this compares
 * like with like: the gateway's translation and hop, not authentication
 * (whose cost is `npm run bench:auth`'s to measure). Behind the gateway,
 * identity is bench:auth's stand-in with GetUser made `anonymous` (a call
 * from the gateway to a non-anonymous public RPC needs a user credential,
 * platform/auth/authorize-principal.ts): the same platform server and
 * chain as the gRPC row, plus GetUser's object check, which without a
 * principal is one context lookup.
 *
 * - floor (BENCH_FLOOR=1, the default): the REST load on a bare node:http
 *   server making one bare node:http2 call per request to the same
 *   identity (bare-gateway-entry.ts): what any Node gateway with a
 *   network hop can reach here.
 *
 * Load generation (and haproxy) run on core 0. Both paths get one core for
 * everything on the serving side, so REST/gRPC calls/s is the share of
 * that core the service still gets once the gateway runs beside it: the
 * gateway's cost per request relative to the service's. An in-memory
 * handler (not PGlite) keeps the database out of it: with a real query
 * per call the service would dominate and any gateway would look cheap.
 * Settings come from BENCH_* variables, see docs/benchmarks.md.
 */
import { createBenchPki } from "../../bench/bench-pki.js";
import { requireTools } from "../../bench/children.js";
import { bestOf } from "../../bench/report.js";
import { benchServer, type ServerRow } from "../../bench/server-bench.js";
import { ensureServiceCert } from "../../platform/pki/index.js";
import { authModeOptions } from "./auth-modes.js";
import {
  benchEnv,
  machineLine,
  pinToLoadCore,
  restLoadSettings,
  runBench,
  toolVersion,
} from "./bench-runner.js";
import { floorOptions } from "./floor-options.js";
import { gatewayReport } from "./gateway-report.js";
import { benchRest, type RestRow } from "./rest-bench.js";

const settings = {
  ...restLoadSettings(),
  // gRPC: 4 connections x 25 streams; REST: 100 connections x 1 request. 100 in flight each.
  clients: Number(benchEnv("CLIENTS", "4")),
  streams: Number(benchEnv("STREAMS", "25")),
  // BENCH_FLOOR=0 skips the bare node:http → node:http2 row.
  floor: benchEnv("FLOOR", "1") !== "0",
};
const log = (line: string) => console.error(line);

async function main(): Promise<void> {
  const tools = requireTools(["taskset", "h2load", "haproxy"]);
  pinToLoadCore(tools.taskset);
  console.log(banner(tools));
  const pki = await createBenchPki();
  const gatewayCert = await ensureServiceCert(pki.dir, { service: "gateway" });
  const grpc: ServerRow[] = [];
  const rest: RestRow[] = [];
  const floor: RestRow[] = [];
  // Rounds interleave the paths, so a burst of outside load hits one
  // round of each rather than every round of one.
  for (let round = 1; round <= settings.rounds; round++) {
    log(`round ${round} of ${settings.rounds}`);
    grpc.push(await benchServer("platform", { pki, tools, ...settings, log }));
    // bench:auth's unauthenticated mode (fresh gateway data dir each round).
    const mode = await authModeOptions("unauthenticated", pki.dir);
    const load = { pki, gatewayCert, h2load: tools.h2load, ...settings, log };
    rest.push(await benchRest({ ...load, ...mode }));
    if (settings.floor) floor.push(await benchRest({ ...load, ...floorOptions(mode.server) }));
  }
  console.log(`\nGetUser, in-memory identity; best of ${settings.rounds} rounds\n`);
  console.log(gatewayReport(bestOf(grpc)[0]!, bestOf(rest)[0]!, bestOf(floor)[0]));
}

function banner(tools: { h2load: string; haproxy: string }): string {
  return [
    `protoplane gateway bench — ${new Date().toISOString()}`,
    machineLine(),
    `load: ${toolVersion(tools.h2load, ["--version"])}, ${toolVersion(tools.haproxy, ["-v"]).replace(/ - https.*/, "")}`,
    `settings: ${settings.rounds} rounds, ${settings.warmupS}s warm-up + ${settings.durationS}s measured per path; serving core 1, load core 0`,
    `load: gRPC h2load -c ${settings.clients} -m ${settings.streams} via haproxy; REST h2load --h1 -c ${settings.connections} -m 1`,
  ].join("\n");
}

runBench(main);
