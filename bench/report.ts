import type { ClientRow } from "./client-bench.js";
import type { ServerRow } from "./server-bench.js";

/** table renders rows as fixed-width columns, the first left-aligned, the rest right. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Best is the fastest of a kind's rounds, with every round's calls/s. */
export type Best<R> = R & { readonly rounds: readonly number[] };

/**
 * bestOf keeps, per kind, the round with the most calls/s. Other processes
 * on the machine can only slow a round down, never speed it up, so the best
 * round is the least disturbed estimate; all rounds are printed beside it.
 */
export function bestOf<R extends { kind: string; callsPerSec: number }>(
  rows: readonly R[],
): Best<R>[] {
  const kinds = [...new Set(rows.map((r) => r.kind))];
  return kinds.map((kind) => {
    const mine = rows.filter((r) => r.kind === kind);
    const best = mine.reduce((a, b) => (b.callsPerSec > a.callsPerSec ? b : a));
    return { ...best, rounds: mine.map((r) => r.callsPerSec) };
  });
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toString() : "n/a");
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "n/a");
const pct = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)}%` : "n/a");
const ratio = (a: number | undefined, b: number | undefined) =>
  a && b ? `${(a / b).toFixed(2)}x` : "n/a";
const rounds = (r: readonly number[]) => (r.length > 1 ? r.map(int).join(" / ") : "");

// More than this much CPU used by other processes on a core marks the row.
const DISTURBED_PERCENT = 20;
const other = (o: readonly [number, number]) =>
  `${pct(o[0])}/${pct(o[1])}${Math.max(...o) > DISTURBED_PERCENT ? " !" : ""}`;
const disturbedNote = (rows: readonly { otherCpu: readonly [number, number] }[]) =>
  rows.some((r) => Math.max(...r.otherCpu) > DISTURBED_PERCENT)
    ? `\n! other processes used over ${DISTURBED_PERCENT}% of a core during that run: its figures are pessimistic`
    : "";

/** serverTable prints the server rows and platform's ratios to the others. */
export function serverTable(rows: readonly Best<ServerRow>[]): string {
  const body = table(
    [
      "server",
      "calls/s",
      "all rounds",
      "p50 ms",
      "p99 ms",
      "server CPU",
      "haproxy CPU",
      "h2load CPU",
      "other c0/c1",
      "ok/2xx",
    ],
    rows.map((r) => [
      r.kind,
      int(r.callsPerSec),
      rounds(r.rounds),
      ms(r.latency.p50),
      ms(r.latency.p99),
      pct(r.serverCpu),
      pct(r.haproxyCpu),
      pct(r.h2loadCpu),
      other(r.otherCpu),
      r.failed > 0
        ? `${r.handledRatio.toFixed(3)} (${r.failed} failed)`
        : r.handledRatio.toFixed(3),
    ]),
  );
  const rps = (kind: string) => rows.find((r) => r.kind === kind)?.callsPerSec;
  const ratios = ["grpc-js", "connect-node", "bare-http2"]
    .filter((k) => rps(k) !== undefined && rps("platform") !== undefined)
    .map((k) => `platform / ${k}: ${ratio(rps("platform"), rps(k))}`);
  const note = disturbedNote(rows);
  return ratios.length > 0 ? `${body}${note}\n\n${ratios.join("   ")}` : `${body}${note}`;
}

/** clientTable prints the client rows, calls/s per client core and platform / grpc-js. */
export function clientTable(rows: readonly Best<ClientRow>[]): string {
  const perCore = (r: ClientRow) => r.callsPerSec / (r.cpuPercent / 100);
  const body = table(
    [
      "client",
      "calls/s",
      "all rounds",
      "p50 ms",
      "p99 ms",
      "client CPU",
      "calls/s per core",
      "server CPU",
      "other c0/c1",
      "errors",
    ],
    rows.map((r) => [
      r.kind,
      int(r.callsPerSec),
      rounds(r.rounds),
      ms(r.latency.p50),
      ms(r.latency.p99),
      pct(r.cpuPercent),
      int(perCore(r)),
      pct(r.serverCpu),
      other(r.otherCpu),
      r.firstError ? `${r.errors} (${r.firstError})` : String(r.errors),
    ]),
  );
  const p = rows.find((r) => r.kind === "platform");
  const g = rows.find((r) => r.kind === "grpc-js");
  const note = disturbedNote(rows);
  if (!p || !g) return `${body}${note}`;
  return `${body}${note}\n\nplatform / grpc-js: ${ratio(p.callsPerSec, g.callsPerSec)} calls/s, ${ratio(perCore(p), perCore(g))} calls/s per client core`;
}
