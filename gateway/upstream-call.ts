import type { DescMethodUnary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { callUnder } from "../platform/client/call-parent.js";
import { ResponseTooLargeError } from "../platform/client/grpc-unary-call.js";
import type { UpstreamTransport } from "../platform/client/index.js";
import type { GatewayCall, RouteSpec } from "./runtime/index.js";

/**
 * createUpstreamCall is the gateway's GatewayCall: each route's upstream is
 * resolved once at startup; per request, the RPC goes through that
 * upstream's resilient transport (platform/client: circuit breaker, retries
 * of idempotent RPCs, the request's deadline capped by the proto policy).
 */
export function createUpstreamCall(
  routes: readonly RouteSpec[],
  transports: ReadonlyMap<string, UpstreamTransport>,
): GatewayCall {
  const plans = new Map<RouteSpec, UpstreamTransport>();
  for (const route of routes) {
    const transport = transports.get(route.upstream);
    if (transport === undefined)
      throw new Error(`no upstream "${route.upstream}" for ${route.pathTemplate}`);
    plans.set(route, transport);
  }
  return async (route, request, ctx) => {
    const transport = plans.get(route);
    if (transport === undefined) throw new Error(`route ${route.pathTemplate} was not planned`);
    try {
      const res = await transport.unary(
        route.method as DescMethodUnary,
        ctx.signal,
        ctx.timeoutMs,
        ctx.headers,
        request as never,
        callUnder(ctx.span),
      );
      // A getter: the transport builds `Headers` only when read, and the
      // gateway forwards no upstream metadata, so usually nobody does.
      return {
        message: res.message,
        get header() {
          return res.header;
        },
      };
    } catch (err) {
      throw fromUpstream(err);
    }
  };
}

// An answer too large for the gateway is the upstream's fault: a 500, not
// the 429 its RESOURCE_EXHAUSTED code would map to.
function fromUpstream(err: unknown): unknown {
  if (err instanceof ConnectError && err.cause instanceof ResponseTooLargeError) {
    return new ConnectError("upstream answer too large", Code.Internal, undefined, undefined, err);
  }
  return err;
}
