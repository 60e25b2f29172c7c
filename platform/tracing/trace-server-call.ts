import type { DescMethod } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import {
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { grpcCodeName } from "../rpc/grpc-code-name.js";
import { requestIdKey } from "../rpc/request-id.js";
import { toConnectError } from "../rpc/to-connect-error.js";
import { traceContextKey } from "../rpc/trace-context.js";
import { endSpan } from "./end-span.js";
import { attr } from "./semconv.js";
import { childSpanStarter, type StartChildSpan } from "./start-child-span.js";
import { formatTraceparent, remoteSpanContext } from "./traceparent.js";

// Compiled methods of every kind: unary and client streaming return a
// promise, server and bidi streaming an async iterable.
// biome-ignore lint/suspicious/noExplicitAny: method shapes differ per RPC kind
type Impl = (req: any, ctx: HandlerContext) => unknown;

// Server-side gRPC codes that mean the server failed, not the request
// (https://opentelemetry.io/docs/specs/semconv/rpc/grpc/#grpc-status).
const SERVER_FAULTS = new Set([
  Code.Unknown,
  Code.DeadlineExceeded,
  Code.Unimplemented,
  Code.Internal,
  Code.Unavailable,
  Code.DataLoss,
]);

/**
 * traceServerCall wraps a compiled method in a SERVER span named
 * `package.Service/Method`, child of the caller's `traceparent`, and runs
 * it in the span's context so the handler's database queries, calls and
 * events nest under it. The call's TraceContext then names this span, so
 * its log lines and anything it propagates point at the server span.
 */
export function traceServerCall<F extends Impl>(impl: F, method: DescMethod, tracer: Tracer): F {
  const start = serverSpanStarter(method, childSpanStarter(tracer));
  const traced: Impl = (req, ctx) => {
    const span = start(ctx);
    const active = trace.setSpan(ROOT_CONTEXT, span);
    let result: unknown;
    try {
      result = context.with(active, impl as Impl, undefined, req, ctx);
    } catch (err) {
      endServerSpan(span, ctx, err);
      throw err;
    }
    if (isAsyncIterable(result)) return traceStream(result, span, active, ctx);
    return Promise.resolve(result).then(
      (res) => {
        endServerSpan(span, ctx, undefined);
        return res;
      },
      (err: unknown) => {
        endServerSpan(span, ctx, err);
        throw err;
      },
    );
  };
  return traced as F;
}

// The span starts under the caller's span, as the RPC server parsed it from
// `traceparent`; the call's TraceContext then names the new span. Its
// attributes are a fresh literal per call (the span keeps and extends them).
function serverSpanStarter(method: DescMethod, startChild: StartChildSpan) {
  const name = `${method.parent.typeName}/${method.name}`;
  const service = method.parent.typeName;
  const rpcMethod = method.name;
  return (ctx: HandlerContext): Span => {
    const caller = ctx.values.get(traceContextKey);
    const attributes = {
      [attr.rpcService]: service,
      [attr.rpcMethod]: rpcMethod,
      [attr.rpcSystem]: ctx.protocolName === "connect" ? "connect_rpc" : "grpc",
      [attr.requestId]: ctx.values.get(requestIdKey),
    };
    const parent = caller === undefined ? undefined : remoteSpanContext(caller);
    const span = startChild(name, SpanKind.SERVER, attributes, parent);
    const own = span.spanContext();
    ctx.values.set(traceContextKey, {
      traceId: own.traceId,
      spanId: own.spanId,
      traceparent: formatTraceparent(own),
      tracestate: caller?.tracestate,
    });
    return span;
  };
}

// Each step of the handler's stream runs in the span's context; the span
// ends with the stream, including when the client stops reading early.
async function* traceStream(
  source: AsyncIterable<unknown>,
  span: Span,
  active: Context,
  ctx: HandlerContext,
): AsyncGenerator<unknown> {
  const it = source[Symbol.asyncIterator]();
  let error: unknown;
  let finished = false;
  try {
    for (;;) {
      const step = await context.with(active, () => it.next());
      if (step.done) break;
      yield step.value;
    }
    finished = true;
  } catch (err) {
    error = err;
    finished = true;
    throw err;
  } finally {
    if (!finished) await context.with(active, async () => it.return?.());
    endServerSpan(span, ctx, error);
  }
}

// `rpc.grpc.status_code` on gRPC (0 for OK); Connect's error code on
// Connect errors. Only server faults mark the span failed: NOT_FOUND is a
// correct answer, not a failure of this server.
function endServerSpan(span: Span, ctx: HandlerContext, err: unknown): void {
  const code = err === undefined ? undefined : toConnectError(err).code;
  if (ctx.protocolName !== "connect") span.setAttribute(attr.rpcGrpcStatusCode, code ?? 0);
  else if (code !== undefined) {
    span.setAttribute(attr.rpcConnectErrorCode, grpcCodeName(code).toLowerCase());
  }
  endSpan(span, code !== undefined && SERVER_FAULTS.has(code) ? grpcCodeName(code) : undefined);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
