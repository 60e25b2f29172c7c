import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { GetUserRequestSchema } from "../gen/identity/v1/user_service_pb.js";
import { encodeFrame } from "../platform/rpc/grpc-frame.js";
import { LOAD_CORE, spawnPinned } from "./children.js";

/** H2loadRun is one h2load invocation against a gRPC method over h2c. */
export interface H2loadRun {
  readonly binary: string;
  /** `http://127.0.0.1:<port>/<package>.<Service>/<Method>` */
  readonly url: string;
  /** A file holding the framed request (see writeGrpcBody). */
  readonly bodyFile: string;
  readonly clients: number;
  /** Concurrent streams per connection. */
  readonly streams: number;
  /** Seconds to run (-D); `requests` is used instead when absent. */
  readonly durationS?: number;
  readonly requests?: number;
  /** Keep per-request latencies (h2load --log-file). */
  readonly logFile?: string;
}

/** H2loadResult is h2load's summary. */
export interface H2loadResult {
  readonly reqPerSec: number;
  readonly done: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly errored: number;
  readonly status2xx: number;
}

/**
 * writeGrpcBody writes a GetUser request as a gRPC body: the 5-byte
 * length prefix (flag 0, big-endian length) then the protobuf bytes. h2load
 * posts the file verbatim with `-d`, which is all gRPC needs besides the
 * `content-type: application/grpc` and `te: trailers` headers.
 */
export function writeGrpcBody(dir: string, userId: string): string {
  const file = join(dir, "get-user.bin");
  writeFileSync(
    file,
    encodeFrame(toBinary(GetUserRequestSchema, create(GetUserRequestSchema, { userId }))),
  );
  return file;
}

/** runH2load runs h2load pinned on LOAD_CORE and parses its summary. */
export function runH2load(run: H2loadRun): Promise<H2loadResult> {
  const args = [
    ...(run.durationS ? ["-D", String(run.durationS)] : ["-n", String(run.requests ?? 1)]),
    ...["-c", String(run.clients), "-m", String(run.streams), "-t", "1"],
    ...["-H", "content-type: application/grpc", "-H", "te: trailers"],
    ...["-d", run.bodyFile],
    ...(run.logFile ? [`--log-file=${run.logFile}`] : []),
    run.url,
  ];
  return runH2loadArgs(run.binary, args);
}

/**
 * runH2loadArgs runs h2load with the given arguments, pinned on LOAD_CORE,
 * and parses its summary; shared by every load shape (gRPC, `--h1` REST).
 */
export function runH2loadArgs(binary: string, args: readonly string[]): Promise<H2loadResult> {
  const child = spawnPinned(LOAD_CORE, binary, [...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const collect = (chunk: Buffer) => {
    out += chunk;
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`h2load ${args[0] ?? ""} exited ${code}:\n${out}`));
      try {
        resolve(parseSummary(out));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** parseSummary reads h2load's "finished in", "requests:" and "status codes:" lines. */
export function parseSummary(out: string): H2loadResult {
  const finished = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out);
  const requests =
    /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(
      out,
    );
  const codes = /status codes: (\d+) 2xx/.exec(out);
  if (!finished || !requests || !codes) throw new Error(`cannot parse h2load output:\n${out}`);
  return {
    reqPerSec: Number(finished[1]),
    done: Number(requests[1]),
    succeeded: Number(requests[2]),
    failed: Number(requests[3]),
    errored: Number(requests[4]),
    status2xx: Number(codes[1]),
  };
}

/**
 * readLatencies reads (and deletes) an h2load `--log-file`: one row per
 * request, start time (µs since epoch) \t HTTP status \t µs until the end
 * of the response. It returns the latencies in µs.
 */
export function readLatencies(file: string): Float64Array {
  const rows = readFileSync(file, "utf8").split("\n");
  rmSync(file, { force: true });
  const latencies = new Float64Array(rows.length);
  let n = 0;
  for (const row of rows) {
    const latency = row.split("\t")[2];
    if (latency !== undefined) latencies[n++] = Number(latency);
  }
  return latencies.subarray(0, n);
}
