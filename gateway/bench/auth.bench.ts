/**
 * `npm run bench:auth`: what authentication costs a GET through the
 * gateway, side by side in one run. The same `GET /v1/users/{id}` goes
 * h2load --h1 (core 0) → the gateway (startGateway as deployed) → mTLS
 * gRPC → the in-memory identity stand-in with the platform's full chain
 * (gateway/bench/auth-identity-server.ts), both on core 1, in two modes:
 *
 * - authenticated: `Authorization: Bearer <access token>` of the user
 *   whose id is asked for. The gateway verifies it (signature once per
 *   process, then its verified-token cache) and checks GetUser's policy
 *   (scope users:read), forwards it, and identity verifies it again,
 *   checks the scope and makes its object check.
 * - unauthenticated: no header; the gateway's authenticator returns no
 *   principal and identity serves GetUser under its policy made
 *   `anonymous`. Same entries, settings, rate limiter, logs, servers.
 *
 * Rounds interleave the modes (and swap their order every round), so a
 * burst of outside load hits one round of each. Settings come from
 * BENCH_* variables, see docs/benchmarks.md.
 */
import { createBenchPki } from "../../bench/bench-pki.js";
import { requireTools } from "../../bench/children.js";
import { bestOf } from "../../bench/report.js";
import { ensureServiceCert } from "../../platform/pki/index.js";
import { type AuthMode, authModeOptions } from "./auth-modes.js";
import { type AuthRow, authReport } from "./auth-report.js";
import * as runner from "./bench-runner.js";
import { benchRest } from "./rest-bench.js";

const settings = runner.restLoadSettings();
const log = (line: string) => console.error(line);

async function main(): Promise<void> {
  const tools = requireTools(["taskset", "h2load"]);
  runner.pinToLoadCore(tools.taskset);
  console.log(banner(tools.h2load));
  const pki = await createBenchPki();
  const gatewayCert = await ensureServiceCert(pki.dir, { service: "gateway" });
  const rows: AuthRow[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    log(`round ${round} of ${settings.rounds}`);
    const modes: AuthMode[] = ["authenticated", "unauthenticated"];
    for (const mode of round % 2 === 1 ? modes : modes.reverse()) {
      const row = await benchRest({
        pki,
        gatewayCert,
        h2load: tools.h2load,
        ...settings,
        ...(await authModeOptions(mode, pki.dir)),
        log,
      });
      rows.push({ ...row, kind: mode });
    }
  }
  const best = (mode: AuthMode) => bestOf(rows).find((r) => r.kind === mode)!;
  console.log(`\nGET /v1/users/{id}, in-memory identity; best of ${settings.rounds} rounds\n`);
  console.log(authReport(best("authenticated"), best("unauthenticated")));
}

function banner(h2load: string): string {
  return [
    `protoplane auth bench — ${new Date().toISOString()}`,
    runner.machineLine(),
    `load: ${runner.toolVersion(h2load, ["--version"])}, h2load --h1 -c ${settings.connections} -m 1 on core 0; gateway + identity on core 1`,
    `settings: ${settings.rounds} rounds, ${settings.warmupS}s warm-up + ${settings.durationS}s measured per mode`,
  ].join("\n");
}

runner.runBench(main);
