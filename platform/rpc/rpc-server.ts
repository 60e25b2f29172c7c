import {
  constants,
  createSecureServer,
  type Http2SecureServer,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from "node:http2";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { createConnectRouter, createContextValues } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import type { Logger } from "pino";
import type { Authenticator } from "../auth/authenticator.js";
import type { RpcMetrics } from "../metrics/rpc-metrics.js";
import { serviceNameFromSpiffeId, spiffeIdFromCert } from "../pki/index.js";
import { type CompiledMethod, compileMethods } from "./compile-methods.js";
import { serveConnect } from "./connect-stream-adapter.js";
import { serveFastGrpc } from "./fast-grpc-handler.js";
import { closeGracefully, streamClosed, streamOpened } from "./graceful-close.js";
import { type Peer, peerKey } from "./peer.js";
import { REQUEST_ID_HEADER, requestIdFrom, requestIdKey } from "./request-id.js";
import { createRequestValidator } from "./request-validator.js";
import type { ServiceRegistration } from "./service-registration.js";
import { traceContextFrom, traceContextKey } from "./trace-context.js";

/** RpcServerOptions configure one RPC port. */
export interface RpcServerOptions {
  readonly services: readonly ServiceRegistration[];
  /** PEM strings: this service's certificate and key, and the CA that signs callers. */
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string };
  readonly trustDomain: string;
  readonly logger: Logger;
  readonly maxMessageBytes: number;
  readonly metrics?: RpcMetrics | undefined;
  /** Verifies end-user credentials (platform/auth); calls needing one fail without it. */
  readonly authenticator?: Authenticator | undefined;
  /**
   * Close each connection gracefully after about this long (±10%), so that
   * clients reconnect and a Service spreads them over new pods; 0 (the
   * default) keeps connections for as long as clients do. See
   * maxConnectionAge below, and graceful-close.ts for what a caller sees.
   */
  readonly maxConnectionAgeMs?: number | undefined;
}

/** RpcServer serves gRPC, gRPC-Web and Connect on one mTLS HTTP/2 port. */
export interface RpcServer {
  listen(port: number, host: string): Promise<number>;
  /** Requests (streams) being served right now. */
  inFlight(): number;
  /** Stops accepting, lets in-flight calls finish until the deadline, then cuts the rest. */
  shutdown(deadlineMs: number): Promise<void>;
  /**
   * setTls serves `tls` to new connections (a renewed certificate, see
   * platform/service/tls-reloader.ts); open connections keep theirs.
   */
  setTls(tls: RpcServerOptions["tls"]): void;
  readonly methods: ReadonlyMap<string, CompiledMethod>;
}

/**
 * createRpcServer builds the server. Per stream it picks a path by content
 * type: binary gRPC unary and server-streaming calls go to the fast handler;
 * everything else (Connect, gRPC-Web, gRPC client/bidi streaming, JSON) goes
 * to Connect's handlers. Both run the same compiled method chain.
 */
export function createRpcServer(opts: RpcServerOptions): RpcServer {
  const deps = {
    validate: createRequestValidator(),
    logger: opts.logger,
    metrics: opts.metrics,
    authenticator: opts.authenticator,
  };
  const compiled = compileMethods(opts.services, deps);
  const methods = new Map(compiled.map((m) => [m.path, m]));
  const handlers = connectHandlers(compiled, opts.maxMessageBytes);
  const peers = new WeakMap<Http2Session, Peer | undefined>();
  const sessions = new Set<Http2Session>();
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const server = createSecureServer({
    ...secureContextOptions(opts.tls),
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: ["h2"],
  });
  server.on("session", (session) => {
    sessions.add(session);
    const aged = maxConnectionAge(session, opts.maxConnectionAgeMs ?? 0);
    session.once("close", () => {
      sessions.delete(session);
      clearTimeout(aged);
    });
    peers.set(session, peerOf(session, opts.trustDomain));
  });
  server.on("stream", (stream, headers) => {
    const session = stream.session!;
    inFlight++;
    streamOpened(session);
    stream.once("close", () => {
      streamClosed(session);
      if (--inFlight === 0) drained?.();
    });
    stream.on("error", () => {
      // A reset by the peer; the call's own handlers see the close.
    });
    const values = createContextValues()
      .set(peerKey, peers.get(session))
      .set(requestIdKey, requestIdFrom(headers[REQUEST_ID_HEADER]))
      .set(traceContextKey, traceContextFrom(headers.traceparent, headers.tracestate));
    route(stream, headers, values);
  });

  function route(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    values: ReturnType<typeof createContextValues>,
  ) {
    const path = String(headers[":path"]);
    if (isBinaryGrpc(headers["content-type"])) {
      const method = methods.get(path);
      if (method?.unary || method?.serverStream) {
        return serveFastGrpc(stream, headers, method, values, opts.maxMessageBytes);
      }
    }
    const route = pathname(path);
    const handler = handlers.get(route);
    if (handler === undefined) return notFound(stream, headers);
    void serveConnect(stream, headers, handler, values, methods.get(route)?.policy.timeoutMs);
  }

  return {
    methods,
    inFlight: () => inFlight,
    listen: (port, host) => listen(server, port, host),
    setTls: (tls) => server.setSecureContext(secureContextOptions(tls)),
    async shutdown(deadlineMs) {
      const deadline = Date.now() + deadlineMs;
      server.close();
      for (const session of sessions) closeGracefully(session);
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, deadlineMs).unref();
        });
      }
      if (inFlight > 0) {
        opts.logger.warn(
          { in_flight: inFlight, deadline_ms: deadlineMs },
          "drain deadline reached; cutting calls",
        );
      } else {
        // A call's stream closes when its last frames are queued, not sent:
        // destroying its session now would cut them (the client would see
        // CANCEL instead of the trailers). Closed sessions flush first.
        await closeSessions(sessions, Math.min(SESSION_FLUSH_MS, deadline - Date.now()));
      }
      for (const session of sessions) session.destroy();
    },
  };
}

// setSecureContext replaces every secure-context option, so the server is
// built from the same ones it is later updated with.
function secureContextOptions(tls: RpcServerOptions["tls"]) {
  const { cert, key, ca } = tls;
  return { cert, key, ca, minVersion: "TLSv1.2" as const };
}

// How long an idle session may take to flush and close once every call is
// done, before it is destroyed: a peer that stopped reading must not hold
// the drain.
const SESSION_FLUSH_MS = 1_000;

// closeSessions closes every session (once its streams are done, which they
// are) and resolves when all have closed, or after `withinMs`.
function closeSessions(sessions: ReadonlySet<Http2Session>, withinMs: number): Promise<void> {
  const open = [...sessions].filter((s) => !s.destroyed);
  if (open.length === 0 || withinMs <= 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let left = open.length;
    const timer = setTimeout(resolve, withinMs);
    timer.unref();
    for (const session of open) {
      session.once("close", () => {
        if (--left === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      if (!session.closed) session.close();
    }
  });
}

/**
 * maxConnectionAge is gRPC's MAX_CONNECTION_AGE: a Kubernetes Service
 * balances connections, not calls, and a caller keeps one HTTP/2 connection
 * per upstream, so without it every caller stays on the pod it first
 * reached, and pods added by a scale-up or a rollout get no calls from
 * callers already connected. After the age, the session is closed as on a
 * drain (closeGracefully: calls already sent finish); the caller's next call
 * opens a new connection, which the Service may send to any ready pod. The
 * ±10% jitter keeps connections opened together from all closing together.
 */
function maxConnectionAge(session: Http2Session, ageMs: number): NodeJS.Timeout | undefined {
  if (ageMs <= 0) return undefined;
  const jittered = ageMs * (0.9 + Math.random() * 0.2);
  return setTimeout(() => closeGracefully(session), jittered).unref();
}

function connectHandlers(
  compiled: readonly CompiledMethod[],
  maxMessageBytes: number,
): Map<string, UniversalHandler> {
  const router = createConnectRouter({
    readMaxBytes: maxMessageBytes,
    writeMaxBytes: maxMessageBytes,
  });
  for (const m of compiled) router.rpc(m.method, m.impl as never);
  return new Map(router.handlers.map((h) => [h.requestPath, h]));
}

// The identity is read once per TLS connection, not per call.
function peerOf(session: Http2Session, trustDomain: string): Peer | undefined {
  const socket = session.socket as TLSSocket;
  const spiffeId = spiffeIdFromCert(socket.getPeerCertificate());
  if (spiffeId === undefined) return undefined;
  return Object.freeze({ spiffeId, service: serviceNameFromSpiffeId(spiffeId, trustDomain) });
}

function isBinaryGrpc(contentType: string | undefined): boolean {
  return contentType === "application/grpc" || contentType === "application/grpc+proto";
}

function pathname(path: string): string {
  const q = path.indexOf("?");
  return q < 0 ? path : path.slice(0, q);
}

// Unknown method: gRPC clients expect UNIMPLEMENTED in a trailers-only
// response; everyone else gets a plain 404.
function notFound(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  const ct = String(headers["content-type"] ?? "");
  if (ct.startsWith("application/grpc")) {
    stream.respond(
      {
        ":status": 200,
        "content-type": ct,
        "grpc-status": "12",
        "grpc-message": "unknown%20method",
      },
      { endStream: true },
    );
  } else {
    stream.respond({ ":status": constants.HTTP_STATUS_NOT_FOUND }, { endStream: true });
  }
}

function listen(server: Http2SecureServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
