import {
  create,
  type DescMessage,
  type DescMethodUnary,
  fromBinary,
  isMessage,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { encodeFrame } from "../rpc/grpc-frame.js";
import { grpcRequestHeaders } from "./grpc-request-headers.js";
import { encodeGrpcTimeout } from "./grpc-timeout.js";
import { type GrpcUnaryRequest, grpcUnaryCall, isUnprocessedFailure } from "./grpc-unary-call.js";
import type { Http2SessionPool } from "./http2-session-pool.js";
import type { GrpcUnaryResult } from "./read-unary-response.js";
import { toWebHeaders } from "./to-web-headers.js";

/** GrpcUnarySenderSettings are fixed when the transport is created. */
export interface GrpcUnarySenderSettings {
  /** The path of the base URL without a trailing slash, usually "". */
  readonly basePath: string;
  readonly defaultTimeoutMs: number;
  readonly maxMessageBytes: number;
  readonly userAgent: string;
}

/**
 * createGrpcUnarySender returns the lean `Transport.unary`: serialize, one
 * HTTP/2 stream, parse. A call the server provably never processed (it
 * raced a GOAWAY or a lost connection) is sent once more on a fresh session
 * within the same deadline, as gRPC's transparent retry does.
 */
export function createGrpcUnarySender(
  pool: Http2SessionPool,
  settings: GrpcUnarySenderSettings,
): Transport["unary"] {
  const { basePath, defaultTimeoutMs, maxMessageBytes, userAgent } = settings;
  return (method, signal, timeoutMs, header, input) => {
    const deadlineMs = timeoutMs ?? defaultTimeoutMs;
    try {
      if (deadlineMs <= 0) throw expiredDeadline();
      const frame = serialize(method.input, input, maxMessageBytes);
      const path = `${basePath}/${method.parent.typeName}/${method.name}`;
      const headers = grpcRequestHeaders(path, deadlineMs, userAgent, header);
      const call: GrpcUnaryRequest = {
        headers,
        frame,
        timeoutMs: deadlineMs,
        signal,
        maxMessageBytes,
      };
      const started = performance.now();
      return grpcUnaryCall(pool.session(), call).then(
        (raw) => unaryResponse(method, raw),
        (err: unknown) =>
          resend(pool, call, started, err).then((raw) => unaryResponse(method, raw)),
      );
    } catch (err) {
      return Promise.reject(ConnectError.from(err, Code.Internal));
    }
  };
}

/**
 * A deadline of zero or less has already passed (a propagated deadline
 * that ran out upstream). Connect reads it as "no deadline", but here every
 * call has one, so the call fails without touching the network.
 */
function expiredDeadline(): ConnectError {
  return new ConnectError("the call's deadline has already passed", Code.DeadlineExceeded);
}

/** resend retries an unprocessed call once, with what is left of its deadline. */
function resend(
  pool: Http2SessionPool,
  call: GrpcUnaryRequest,
  started: number,
  err: unknown,
): Promise<GrpcUnaryResult> {
  const remainingMs = call.timeoutMs - (performance.now() - started);
  if (!isUnprocessedFailure(err) || remainingMs < 1 || call.signal?.aborted)
    return Promise.reject(err);
  const headers = { ...call.headers, "grpc-timeout": encodeGrpcTimeout(remainingMs) };
  return grpcUnaryCall(pool.session(), { ...call, headers, timeoutMs: remainingMs });
}

function serialize<I extends DescMessage>(
  schema: I,
  input: MessageInitShape<I>,
  maxMessageBytes: number,
): Buffer {
  const message = isMessage(input, schema) ? input : create(schema, input);
  const bytes = toBinary(schema, message as MessageShape<I>);
  if (bytes.byteLength > maxMessageBytes) {
    throw new ConnectError(
      `request message size ${bytes.byteLength} exceeds the limit of ${maxMessageBytes} bytes`,
      Code.ResourceExhausted,
    );
  }
  return encodeFrame(bytes);
}

/**
 * unaryResponse parses the message and converts headers and trailers to
 * `Headers` only when read: `createClient` reads them only for callers
 * that pass `onHeader`/`onTrailer`.
 */
function unaryResponse<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  raw: GrpcUnaryResult,
): UnaryResponse<I, O> {
  const message = parse(method.output, raw.message);
  let header: Headers | undefined;
  let trailer: Headers | undefined;
  return {
    stream: false,
    service: method.parent,
    method,
    message,
    get header() {
      header ??= toWebHeaders(raw.header);
      return header;
    },
    get trailer() {
      trailer ??= toWebHeaders(raw.trailer);
      return trailer;
    },
  };
}

function parse<O extends DescMessage>(schema: O, bytes: Uint8Array): MessageShape<O> {
  try {
    return fromBinary(schema, bytes);
  } catch (err) {
    throw new ConnectError(
      "failed to parse the response message",
      Code.Internal,
      undefined,
      undefined,
      err,
    );
  }
}
