import { type Best, table } from "../../bench/report.js";
import type { AuthMode } from "./auth-modes.js";
import { PATH_COLUMNS, perCore, restCells } from "./gateway-report.js";
import type { RestRow } from "./rest-bench.js";

/** AUTH_TARGET_RATIO is the authenticated/unauthenticated calls/s the issue asks for. */
export const AUTH_TARGET_RATIO = 0.85;

/** AuthRow is one measurement of a mode: a REST row named after its mode. */
export type AuthRow = Omit<RestRow, "kind"> & { readonly kind: AuthMode };

const pct = (n: number) => `${n.toFixed(0)}%`;

/**
 * authReport prints both modes, core 1's CPU (identity + gateway) and the
 * ratio authenticated / unauthenticated, in calls/s (the target) and per
 * core-second used on core 1 (robust when a row left core 1 partly idle).
 */
export function authReport(auth: Best<AuthRow>, anon: Best<AuthRow>): string {
  const body = table(PATH_COLUMNS, [
    restCells("authenticated (Bearer)", { ...auth, kind: "rest" }),
    restCells("unauthenticated", { ...anon, kind: "rest" }),
  ]);
  const core1 = (r: AuthRow) => r.serverCpu + r.gatewayCpu;
  const ratio = auth.callsPerSec / anon.callsPerSec;
  const cpuRatio = perCore(auth.callsPerSec, core1(auth)) / perCore(anon.callsPerSec, core1(anon));
  const verdict = ratio >= AUTH_TARGET_RATIO ? "meets" : "BELOW";
  return [
    body,
    "",
    `core 1 CPU (identity + gateway): authenticated ${pct(core1(auth))}, unauthenticated ${pct(core1(anon))}`,
    `authenticated / unauthenticated: ${ratio.toFixed(2)}x calls/s (${verdict} the ${AUTH_TARGET_RATIO}x target)`,
    `authenticated / unauthenticated per core-second used on core 1: ${cpuRatio.toFixed(2)}x; authentication costs ≈ ${((1 / cpuRatio - 1) * 100).toFixed(0)}% more CPU per request`,
  ].join("\n");
}
