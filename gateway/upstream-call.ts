import type { DescMethodUnary } from "@bufbuild/protobuf";
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
    const res = await transport.unary(
      route.method as DescMethodUnary,
      ctx.signal,
      ctx.timeoutMs,
      ctx.headers,
      request as never,
    );
    return { message: res.message, header: res.header };
  };
}
