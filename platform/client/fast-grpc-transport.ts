import {
  Code,
  ConnectError,
  createContextValues,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import { createMethodUrl, runUnaryCall } from "@connectrpc/connect/protocol";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createGrpcUnarySender } from "./grpc-unary-sender.js";
import { createHttp2SessionPool, type Http2SessionPoolOptions } from "./http2-session-pool.js";
import { createPoolSessionManager } from "./pool-session-manager.js";

/** FastGrpcTransportOptions configures one client transport to one target. */
export interface FastGrpcTransportOptions extends Http2SessionPoolOptions {
  /** Deadline of a call that sets no `timeoutMs`; every call has one. Default 10 s. */
  readonly defaultTimeoutMs?: number;
  /** Largest request or response message, in bytes. Default 4 MiB, as gRPC's. */
  readonly maxMessageBytes?: number;
  /** The `user-agent` header of unary calls. */
  readonly userAgent?: string;
  /** Connect interceptors, run on unary and streaming calls alike. */
  readonly interceptors?: Interceptor[];
  /**
   * Interceptors for streaming calls only. Unary calls that must stay on the
   * fast path get the same behaviour from a plain wrapper instead (e.g.
   * `tracedUnary`): an interceptor moves a unary call onto Connect's pipeline.
   */
  readonly streamInterceptors?: Interceptor[];
}

/** FastGrpcTransport is a Connect `Transport` that owns a connection and can close it. */
export interface FastGrpcTransport extends Transport {
  /** close lets in-flight calls finish, then closes the connection; later calls fail UNAVAILABLE. */
  close(): Promise<void>;
}

type UnaryFn = Transport["unary"];

const DEFAULT_USER_AGENT = `protoplane-grpc node/${process.versions.node}`;

/**
 * createFastGrpcTransport returns a gRPC transport for `createClient()`.
 * Unary calls, the bulk of service-to-service traffic, take a lean path
 * straight onto a `node:http2` stream (connect-node's client spends most of
 * a small call on its generic pipeline, see DESIGN.md). Streaming calls go
 * through connect-node's gRPC transport on the same HTTP/2 connection,
 * where a per-call pipeline costs little next to the stream's lifetime.
 */
export function createFastGrpcTransport(options: FastGrpcTransportOptions): FastGrpcTransport {
  const pool = createHttp2SessionPool(options);
  const maxMessageBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 10_000;
  const interceptors = options.interceptors ?? [];
  const streaming = createGrpcTransport({
    baseUrl: options.baseUrl,
    sessionManager: createPoolSessionManager(pool),
    defaultTimeoutMs,
    readMaxBytes: maxMessageBytes,
    writeMaxBytes: maxMessageBytes,
    interceptors: [...interceptors, ...(options.streamInterceptors ?? [])],
  });
  const send = createGrpcUnarySender(pool, {
    basePath: new URL(options.baseUrl).pathname.replace(/\/+$/, ""),
    defaultTimeoutMs,
    maxMessageBytes,
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
  });
  return {
    unary:
      interceptors.length === 0
        ? send
        : intercept(send, interceptors, options.baseUrl, defaultTimeoutMs),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      streaming.stream(method, signal, timeoutMs, header, input, contextValues),
    close: () => pool.close(),
  };
}

/**
 * intercept runs the unary path through Connect interceptors with
 * connect's own `runUnaryCall`, so interceptors see exactly what they see
 * on connect's transports: a `Headers`, context values, and a signal that
 * aborts on the deadline. That costs what the plain path avoids, so it is
 * only used when interceptors are configured.
 */
function intercept(
  send: UnaryFn,
  interceptors: Interceptor[],
  baseUrl: string,
  defaultTimeoutMs: number,
): UnaryFn {
  return (method, signal, timeoutMs, header, input, contextValues) => {
    const deadlineMs = timeoutMs ?? defaultTimeoutMs;
    return runUnaryCall({
      interceptors,
      signal,
      timeoutMs: deadlineMs > 0 ? deadlineMs : undefined,
      req: {
        stream: false,
        service: method.parent,
        method,
        requestMethod: "POST",
        url: createMethodUrl(baseUrl, method),
        header: new Headers(header),
        contextValues: contextValues ?? createContextValues(),
        message: input,
      },
      next: (req) => send(req.method, req.signal, deadlineMs, req.header, req.message),
    }).catch((err: unknown) => Promise.reject(ConnectError.from(err, Code.Internal)));
  };
}
