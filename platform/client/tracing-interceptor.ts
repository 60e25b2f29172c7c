import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { SpanKind, type Tracer } from "@opentelemetry/api";
import { grpcCodeName } from "../rpc/grpc-code-name.js";
import { endSpan } from "../tracing/end-span.js";
import { attr } from "../tracing/semconv.js";
import { injectTraceparent } from "../tracing/traceparent.js";

/**
 * createTracingInterceptor makes a CLIENT span per call attempt, named
 * `package.Service/Method` and child of the active span (the server span
 * of the call being handled), and sends it as the call's `traceparent`, so
 * the callee's server span hangs under it. Any non-OK status marks the
 * span failed, as gRPC's client conventions say. A streaming call's span
 * ends when the response starts.
 */
export function createTracingInterceptor(tracer: Tracer, baseUrl: string): Interceptor {
  const url = new URL(baseUrl);
  const server = {
    [attr.rpcSystem]: "grpc",
    [attr.serverAddress]: url.hostname,
    [attr.serverPort]: Number(url.port || (url.protocol === "http:" ? 80 : 443)),
  };
  return (next) => async (req) => {
    const span = tracer.startSpan(`${req.service.typeName}/${req.method.name}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        ...server,
        [attr.rpcService]: req.service.typeName,
        [attr.rpcMethod]: req.method.name,
      },
    });
    injectTraceparent(req.header, span);
    try {
      const res = await next(req);
      span.setAttribute(attr.rpcGrpcStatusCode, 0);
      endSpan(span);
      return res;
    } catch (err) {
      const code = ConnectError.from(err).code;
      span.setAttribute(attr.rpcGrpcStatusCode, code);
      endSpan(span, grpcCodeName(code));
      throw err;
    }
  };
}
