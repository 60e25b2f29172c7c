/**
 * client-throughput.probe.ts compares unary client throughput, side by side
 * in one run: the platform's fast transport (through `createClient`), a
 * `@grpc/grpc-js` client, and connect-node's gRPC transport, all calling
 * the same grpc-js InteropService over mTLS. The server runs in a child
 * process so the numbers are the client's. Not a test: run it by hand.
 *
 *   npx tsx platform/client/client-throughput.probe.ts [calls=20000] [inFlight=50]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { EchoRequestSchema, InteropService } from "../../gen/interop/v1/interop_pb.js";
import { ensureServiceCert, type ServiceCert } from "../pki/index.js";
import { createFastGrpcTransport } from "./fast-grpc-transport.js";
import { grpcJsServiceDefinition } from "./grpc-js-service-definition.js";
import { startInteropGrpcServer } from "./interop-grpc-server.js";

type Call = () => Promise<unknown>;

interface Contender {
  readonly name: string;
  readonly call: Call;
  close(): void | Promise<void>;
}

const ROUNDS = 3;
/** One prebuilt message for all: grpc-js serializers need a message, not an init object. */
const request = create(EchoRequestSchema, { message: "hello, probe" });

/** serve runs in the child: start the server, print its port, live until killed. */
async function serve(dir: string): Promise<void> {
  const server = await startInteropGrpcServer(await ensureServiceCert(dir, { service: "interop" }));
  process.stdout.write(`${server.port}\n`);
}

async function probe(calls: number, inFlight: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "protoplane-probe-"));
  const tls = await ensureServiceCert(dir, { service: "probe-client" });
  await ensureServiceCert(dir, { service: "interop" });
  const child = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "serve"],
    {
      env: { ...process.env, CERT_DIR: dir },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  try {
    const port = await readPort(child);
    const contenders = [fastTransport(port, tls), grpcJsClient(port, tls), connectNode(port, tls)];
    console.log(
      `${calls} unary Echo calls, ${inFlight} in flight, ${ROUNDS} rounds, server in a child process`,
    );
    for (const c of contenders) await run(c.call, 2_000, inFlight); // warm up JIT and connections
    const results = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of contenders) results.get(c.name)!.push(await run(c.call, calls, inFlight));
    }
    report(results);
    for (const c of contenders) await c.close();
  } finally {
    child.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

function fastTransport(port: number, tls: ServiceCert): Contender {
  const transport = createFastGrpcTransport({ baseUrl: `https://localhost:${port}`, tls });
  const client = createClient(InteropService, transport);
  return {
    name: "fast transport",
    call: () => client.echo(request),
    close: () => transport.close(),
  };
}

function grpcJsClient(port: number, tls: ServiceCert): Contender {
  const Client = grpc.makeGenericClientConstructor(
    grpcJsServiceDefinition(InteropService),
    "InteropService",
  );
  const credentials = grpc.credentials.createSsl(
    Buffer.from(tls.ca),
    Buffer.from(tls.key),
    Buffer.from(tls.cert),
  );
  const client = new Client(`localhost:${port}`, credentials);
  type Echo = (
    req: unknown,
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, res: unknown) => void,
  ) => void;
  const echo = (client as unknown as { echo: Echo }).echo.bind(client);
  // Same as the fast transport: every call carries a 10 s deadline.
  const call = () =>
    new Promise((resolve, reject) =>
      echo(request, { deadline: Date.now() + 10_000 }, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
  return { name: "grpc-js client", call, close: () => client.close() };
}

function connectNode(port: number, tls: ServiceCert): Contender {
  const { cert, key, ca } = tls;
  const transport = createGrpcTransport({
    baseUrl: `https://localhost:${port}`,
    nodeOptions: { cert, key, ca },
    defaultTimeoutMs: 10_000,
  });
  const client = createClient(InteropService, transport);
  return { name: "connect-node gRPC", call: () => client.echo(request), close: () => {} };
}

interface Sample {
  /** Calls per wall-clock second. */
  readonly perSecond: number;
  /** Client CPU time (user + system) per call, in microseconds. */
  readonly cpuMicros: number;
}

/** run makes `calls` calls with `inFlight` workers, each awaiting one call at a time. */
async function run(call: Call, calls: number, inFlight: number): Promise<Sample> {
  let remaining = calls;
  const worker = async () => {
    while (remaining-- > 0) await call();
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: calls / seconds, cpuMicros: (used.user + used.system) / calls };
}

/**
 * report prints wall-clock throughput, which the single-threaded server
 * caps, and client CPU per call, which is what DESIGN.md's "calls/s per
 * core" compares; ratios are against grpc-js for both.
 */
function report(results: Map<string, Sample[]>): void {
  const medians = new Map([...results].map(([name, samples]) => [name, median(samples)]));
  const grpcJs = medians.get("grpc-js client")!;
  for (const [name, m] of medians) {
    const perCpuSecond = 1e6 / m.cpuMicros;
    console.log(
      `${name.padEnd(18)} ${Math.round(m.perSecond).toString().padStart(6)} calls/s ` +
        `(${(m.perSecond / grpcJs.perSecond).toFixed(2)}x grpc-js)  ` +
        `${m.cpuMicros.toFixed(1).padStart(6)} µs client CPU/call = ` +
        `${Math.round(perCpuSecond).toString().padStart(6)} calls/CPU-s ` +
        `(${(grpcJs.cpuMicros / m.cpuMicros).toFixed(2)}x grpc-js)`,
    );
  }
}

function median(samples: Sample[]): Sample {
  return [...samples].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(samples.length / 2)]!;
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    child.stdout!.once("data", (chunk: Buffer) => resolve(Number.parseInt(chunk.toString(), 10)));
  });
}

if (process.argv[2] === "serve") {
  await serve(process.env.CERT_DIR!);
} else {
  await probe(Number(process.argv[2] ?? 20_000), Number(process.argv[3] ?? 50));
}
