import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { fromBinary, type Message, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import type { CompiledMethod } from "./compile-methods.js";
import { createDeadlineWheel, type Deadline } from "./deadline-wheel.js";
import { deadlineFrom } from "./grpc-deadline.js";
import { decodeSingleFrame, encodeFrame } from "./grpc-frame.js";
import { GRPC_OK_TRAILERS, grpcErrorHeaders, headersToObject } from "./grpc-status-headers.js";
import { createLeanHandlerContext, type LeanHandlerContext } from "./lean-handler-context.js";
import { toConnectError } from "./to-connect-error.js";

const { HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE } = constants;
const CONTENT_TYPE = "application/grpc+proto";

// One wheel for every call of the process: nearly every call has a deadline
// (the policy's timeout) and nearly all are cancelled on completion.
const deadlines = createDeadlineWheel();

// The response headers of a call whose handler set none: shared, as Node
// copies headers when it sends them.
const DEFAULT_RESPONSE_HEADERS = Object.freeze({
  [HTTP2_HEADER_STATUS]: 200,
  [HTTP2_HEADER_CONTENT_TYPE]: CONTENT_TYPE,
});

/**
 * serveFastGrpc answers one unary or server-streaming gRPC call directly on
 * its HTTP/2 stream: no compat request/response objects, no async-iterable
 * pipeline, no AbortController unless the handler asks for a signal. This is
 * the hot path; everything per call is the call's own work.
 */
export function serveFastGrpc(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  compiled: CompiledMethod,
  values: ContextValues,
  maxMessageBytes: number,
): void {
  const deadlineAt = deadlineFrom(
    headers["grpc-timeout"] as string | undefined,
    compiled.policy.timeoutMs,
  );
  const ctx = createLeanHandlerContext(compiled.method, headers, values, deadlineAt);
  const call: Call = { stream, ctx, done: false, deadline: undefined };
  if (deadlineAt !== undefined) {
    call.deadline = deadlines.schedule(deadlineAt, () =>
      fail(call, new ConnectError("the deadline was exceeded", Code.DeadlineExceeded)),
    );
  }
  stream.on("close", () => {
    if (!call.done) ctx.abort(new ConnectError("the client cancelled the call", Code.Canceled));
    call.deadline?.cancel();
  });
  readBody(stream, maxMessageBytes, (err, body) => {
    if (err !== undefined) return fail(call, err);
    run(call, compiled, body!, maxMessageBytes);
  });
}

interface Call {
  readonly stream: ServerHttp2Stream;
  readonly ctx: LeanHandlerContext;
  done: boolean;
  deadline: Deadline | undefined;
}

// Collects the request body; a unary body is usually a single DATA frame.
function readBody(
  stream: ServerHttp2Stream,
  max: number,
  cb: (err?: ConnectError, body?: Buffer) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on("data", (chunk: Buffer) => {
    size += chunk.byteLength;
    if (size > max + 5) {
      stream.removeAllListeners("data");
      stream.resume();
      return cb(
        new ConnectError(`request exceeds the limit of ${max} bytes`, Code.ResourceExhausted),
      );
    }
    chunks.push(chunk);
  });
  stream.once("end", () => {
    if (size <= max + 5)
      cb(undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  });
}

// A unary call settles with one then, not an async function awaiting: a
// promise less per call (see wrapUnary in compile-methods.ts).
function run(call: Call, compiled: CompiledMethod, body: Buffer, max: number): void {
  const failed = (err: unknown) => fail(call, toConnectError(err));
  try {
    const request = fromBinary(compiled.method.input, decodeSingleFrame(body, max));
    if (compiled.serverStream) {
      respondStream(call, compiled.serverStream(request, call.ctx), compiled).catch(failed);
      return;
    }
    compiled.unary!(request, call.ctx).then((response) => {
      try {
        respondUnary(call, toBinary(compiled.method.output, response));
      } catch (err) {
        failed(err);
      }
    }, failed);
  } catch (err) {
    failed(err);
  }
}

function respondUnary(call: Call, payload: Uint8Array): void {
  if (call.done || call.stream.destroyed) return;
  call.done = true;
  call.deadline?.cancel();
  const { stream, ctx } = call;
  stream.respond(responseHeaders(ctx), { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers(trailersOf(ctx)));
  stream.end(encodeFrame(payload));
}

async function respondStream(
  call: Call,
  messages: AsyncIterable<Message>,
  compiled: CompiledMethod,
): Promise<void> {
  const { stream, ctx } = call;
  for await (const message of messages) {
    if (call.done || stream.destroyed) return;
    if (!stream.headersSent) stream.respond(responseHeaders(ctx), { waitForTrailers: true });
    if (!stream.write(encodeFrame(toBinary(compiled.method.output, message)))) {
      await new Promise((resolve) => stream.once("drain", resolve).once("close", resolve));
    }
  }
  if (call.done || stream.destroyed) return;
  call.done = true;
  call.deadline?.cancel();
  if (!stream.headersSent) stream.respond(responseHeaders(ctx), { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers(trailersOf(ctx)));
  stream.end();
}

/**
 * fail ends the call with an error status: trailers-only when nothing was
 * sent yet (the gRPC spec's "Trailers-Only" response), trailers otherwise.
 */
function fail(call: Call, error: ConnectError): void {
  const { stream, ctx } = call;
  if (call.done || stream.destroyed) return;
  call.done = true;
  call.deadline?.cancel();
  ctx.abort(error);
  const status = grpcErrorHeaders(error, ctx.responseTrailerIfSet());
  if (!stream.headersSent) {
    stream.respond({ ...responseHeaders(ctx), ...status }, { endStream: true });
  } else {
    stream.once("wantTrailers", () => stream.sendTrailers(status));
    stream.end();
  }
}

function responseHeaders(ctx: LeanHandlerContext) {
  const custom = ctx.responseHeaderIfSet();
  if (custom === undefined) return DEFAULT_RESPONSE_HEADERS;
  return headersToObject(custom, {
    [HTTP2_HEADER_STATUS]: 200,
    [HTTP2_HEADER_CONTENT_TYPE]: CONTENT_TYPE,
  });
}

function trailersOf(ctx: LeanHandlerContext) {
  const custom = ctx.responseTrailerIfSet();
  return custom === undefined ? GRPC_OK_TRAILERS : headersToObject(custom, { "grpc-status": "0" });
}
