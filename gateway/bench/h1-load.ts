import { type H2loadResult, runH2loadArgs } from "../../bench/h2load.js";

/** H1LoadRun is one `h2load --h1` run: plain HTTP/1.1 GETs on kept-alive connections. */
export interface H1LoadRun {
  readonly binary: string;
  readonly url: string;
  /** Connections, each with one request at a time (no pipelining: clients don't pipeline). */
  readonly connections: number;
  readonly durationS: number;
  /** Keep per-request latencies (h2load --log-file). */
  readonly logFile?: string;
  /** Extra request headers, `name: value` (e.g. an Authorization header). */
  readonly headers?: readonly string[];
}

/**
 * runH1Load drives a REST endpoint with the same tool, summary and latency
 * log as the gRPC side (bench/h2load.ts), pinned on LOAD_CORE: `--h1`
 * forces HTTP/1.1, `-m 1` one request in flight per connection, as
 * browsers and HTTP client libraries send them.
 */
export function runH1Load(run: H1LoadRun): Promise<H2loadResult> {
  const args = [
    "--h1",
    ...["-D", String(run.durationS), "-c", String(run.connections), "-m", "1", "-t", "1"],
    ...["-H", "accept: application/json"],
    ...(run.headers ?? []).flatMap((header) => ["-H", header]),
    ...(run.logFile ? [`--log-file=${run.logFile}`] : []),
    run.url,
  ];
  return runH2loadArgs(run.binary, args);
}
