import { createUpstreamTransport, type UpstreamTransport } from "../platform/client/index.js";
import { upstreamUrl } from "../platform/config/index.js";
import type { GatewayCall, RouteSpec } from "./runtime/index.js";
import { createUpstreamCall } from "./upstream-call.js";

/** UpstreamOptions are what every upstream connection shares. */
export interface UpstreamOptions {
  /** The gateway's own certificate and key, and the CA that signs services. */
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string };
  readonly maxMessageBytes: number;
}

/** Upstreams holds one client transport per service the routes call. */
export interface Upstreams {
  /** Service name → base URL, for the startup log. */
  readonly urls: Readonly<Record<string, string>>;
  /** The runtime's GatewayCall over these transports. */
  readonly call: GatewayCall;
  /** One upstream's transport, shared with whatever else calls it (credential checks). */
  transport(name: string): UpstreamTransport | undefined;
  /** Lets in-flight calls finish, then closes every connection. */
  close(): Promise<void>;
}

// An HTTP/2 PING this often detects a silently dead upstream (a node gone
// without a FIN): its calls then fail UNAVAILABLE instead of hanging until
// their deadline, and the next call reconnects.
const KEEPALIVE_MS = 30_000;

/**
 * resolveUpstreams maps every service the routes call to its base URL: the
 * configured one, else `https://<name>:50051` (the Kubernetes Service of
 * that name). It also returns the configured names no route uses, which
 * are usually typos.
 */
export function resolveUpstreams(
  routes: readonly RouteSpec[],
  configured: Readonly<Record<string, string>>,
): { urls: Record<string, string>; unused: string[] } {
  const urls: Record<string, string> = {};
  for (const route of routes) {
    urls[route.upstream] ??= upstreamUrl(configured, route.upstream);
  }
  const unused = Object.keys(configured).filter((name) => !(name in urls));
  return { urls, unused };
}

/**
 * createUpstreams opens (lazily) one fast mTLS gRPC transport per upstream,
 * with its own circuit breaker and retry budget, all built once at
 * startup, and the GatewayCall over them (upstream-call.ts): the runtime's
 * deadline becomes the RPC's `grpc-timeout` and its headers
 * (`x-request-id`, `authorization`) the RPC's metadata. A refused or lost
 * connection, or an open circuit, fails as UNAVAILABLE (the 503 envelope).
 */
export function createUpstreams(
  urls: Readonly<Record<string, string>>,
  routes: readonly RouteSpec[],
  options: UpstreamOptions,
): Upstreams {
  const transports = new Map<string, UpstreamTransport>();
  for (const [name, baseUrl] of Object.entries(urls)) {
    const transport = createUpstreamTransport({
      upstream: name,
      baseUrl,
      tls: options.tls,
      maxMessageBytes: options.maxMessageBytes,
      keepaliveMs: KEEPALIVE_MS,
      userAgent: `protoplane-gateway node/${process.versions.node}`,
    });
    transports.set(name, transport);
  }
  return {
    urls,
    call: createUpstreamCall(routes, transports),
    transport: (name) => transports.get(name),
    close: async () => {
      await Promise.all([...transports.values()].map((t) => t.close()));
    },
  };
}
