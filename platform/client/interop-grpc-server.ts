import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  type CountRequest,
  CountResponseSchema,
  type EchoRequest,
  EchoResponseSchema,
  InteropService,
  type SumRequest,
  SumResponseSchema,
} from "../../gen/interop/v1/interop_pb.js";
import { spiffeIdFromCert } from "../pki/index.js";
import { grpcJsServiceDefinition } from "./grpc-js-service-definition.js";
import type { ClientTlsOptions } from "./http2-session-pool.js";

/** InteropGrpcServer is a running grpc-js InteropService and what it saw. */
export interface InteropGrpcServer {
  readonly port: number;
  /** `https://localhost:<port>` */
  readonly url: string;
  /** Metadata and deadline of every call, in arrival order. */
  readonly calls: Array<{
    path: string;
    /** The client's address and port: one value for calls on one connection. */
    peer: string;
    metadata: grpc.Metadata;
    /** The deadline from `grpc-timeout` in epoch ms; Infinity without one. */
    deadline: number;
  }>;
  /** How many calls the server saw cancelled by the client or the deadline. */
  readonly cancelled: () => number;
  /** forceShutdown closes every connection at once, as a crashing peer would. */
  forceShutdown(): void;
  close(): Promise<void>;
}

type Call = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

/**
 * startInteropGrpcServer serves InteropService with `@grpc/grpc-js` over
 * mTLS (client certificates required) on `port` of 127.0.0.1 (default: a
 * free one); a
 * reference peer for the client tests and probe. Echo copies the request's
 * `x-*` metadata into its response headers and trailers.
 */
export async function startInteropGrpcServer(
  tls: ClientTlsOptions,
  port = 0,
): Promise<InteropGrpcServer> {
  const server = new grpc.Server();
  const calls: InteropGrpcServer["calls"] = [];
  let cancelled = 0;
  const record = (call: Call, path: string) => {
    calls.push({
      path,
      peer: call.getPeer(),
      metadata: call.metadata,
      deadline: Number(call.getDeadline()),
    });
    call.on("cancelled", () => cancelled++);
  };
  server.addService(grpcJsServiceDefinition(InteropService), {
    echo: (
      call: grpc.ServerUnaryCall<EchoRequest, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      record(call, "Echo");
      echo(call, callback);
    },
    count: (call: grpc.ServerWritableStream<CountRequest, unknown>) => {
      record(call, "Count");
      void count(call);
    },
    sum: (
      call: grpc.ServerReadableStream<SumRequest, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      let total = 0n;
      call.on("data", (req: SumRequest) => {
        total += req.value;
      });
      call.on("end", () => callback(null, create(SumResponseSchema, { total })));
    },
    restricted: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
      callback({ code: grpc.status.PERMISSION_DENIED, details: "no one may call this" });
    },
  });
  const credentials = grpc.ServerCredentials.createSsl(
    Buffer.from(tls.ca),
    [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }],
    true,
  );
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, credentials, (err, actual) =>
      err ? reject(err) : resolve(actual),
    ),
  );
  return {
    port: bound,
    url: `https://localhost:${bound}`,
    calls,
    cancelled: () => cancelled,
    forceShutdown: () => server.forceShutdown(),
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

function echo(
  call: grpc.ServerUnaryCall<EchoRequest, unknown>,
  callback: grpc.sendUnaryData<unknown>,
): void {
  const { request } = call;
  const echoed = echoedMetadata(call.metadata);
  if (Object.keys(echoed.getMap()).length > 0) call.sendMetadata(echoed);
  const deadline = Number(call.getDeadline());
  const timeoutMs = Number.isFinite(deadline) ? BigInt(deadline - Date.now()) : 0n;
  const reply = () => {
    if (request.failCode !== 0) {
      callback({
        code: request.failCode,
        details: `echo failed: ${request.message}`,
        metadata: echoed,
      });
      return;
    }
    const cert = call.getAuthContext().sslPeerCertificate;
    const peer = (cert && spiffeIdFromCert(cert)) ?? "";
    callback(
      null,
      create(EchoResponseSchema, { message: request.message, peer, timeoutMs }),
      echoed,
    );
  };
  if (request.sleepMs <= 0) {
    reply();
    return;
  }
  const timer = setTimeout(reply, request.sleepMs);
  call.on("cancelled", () => clearTimeout(timer));
}

async function count(call: grpc.ServerWritableStream<CountRequest, unknown>): Promise<void> {
  const { count: total, intervalMs, failAfter } = call.request;
  for (let n = 1; n <= total; n++) {
    if (call.cancelled) return;
    if (failAfter > 0 && n > failAfter) {
      call.emit("error", {
        code: grpc.status.FAILED_PRECONDITION,
        details: `failed after ${failAfter}`,
      });
      return;
    }
    call.write(create(CountResponseSchema, { n }));
    if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  call.end();
}

function echoedMetadata(metadata: grpc.Metadata): grpc.Metadata {
  const echoed = new grpc.Metadata();
  for (const [name, value] of Object.entries(metadata.getMap())) {
    if (name.startsWith("x-")) echoed.set(name, value);
  }
  return echoed;
}
