/** ModeName names one row of the observability benchmark. */
export type ModeName = "off" | "on" | "traces" | "logs";

/** Mode is what one row turns on; RED metrics are always on (the platform has no switch). */
export interface Mode {
  readonly name: ModeName;
  /** The row's label in the table. */
  readonly label: string;
  /** LOG_LEVEL of both processes: `info` logs identity's line per RPC, `warn` none. */
  readonly logLevel: "info" | "warn";
  /** Tracing at 100% sampling, exported over OTLP/gRPC to the benchmark's sink. */
  readonly tracing: boolean;
}

/**
 * MODES are the rows. `off` and `on` are the comparison; `traces` and
 * `logs` split `on` into its parts, to show where its cost is
 * (BENCH_MODES=off,on,traces,logs).
 */
export const MODES: Readonly<Record<ModeName, Mode>> = {
  off: { name: "off", label: "OFF (no traces, warn logs)", logLevel: "warn", tracing: false },
  on: { name: "on", label: "ON  (traces 100%, info logs)", logLevel: "info", tracing: true },
  traces: { name: "traces", label: "traces only (warn logs)", logLevel: "warn", tracing: true },
  logs: { name: "logs", label: "info logs only (no traces)", logLevel: "info", tracing: false },
};

/** parseModes reads a comma-separated list of mode names; `off` and `on` are always in it. */
export function parseModes(list: string): Mode[] {
  const names = new Set<string>(["off", "on", ...list.split(",").map((n) => n.trim())]);
  names.delete("");
  return [...names].map((name) => {
    const mode = MODES[name as ModeName];
    if (mode === undefined) throw new Error(`BENCH_MODES: unknown mode ${name}`);
    return mode;
  });
}
