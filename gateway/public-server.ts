import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answerClientError } from "./edge/client-error-response.js";

/** RequestListener is a node:http request handler. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** PublicServer is the gateway's plain-HTTP listener with a graceful drain. */
export interface PublicServer {
  listen(port: number, host: string): Promise<number>;
  /** Requests being served right now. */
  inFlight(): number;
  /**
   * drain stops accepting, closes idle keep-alive connections, lets
   * in-flight requests finish until `deadlineMs`, then cuts the rest.
   */
  drain(deadlineMs: number): Promise<void>;
  /**
   * beginDrain marks the server as draining without closing anything: from
   * now on every response says `Connection: close`, so clients on kept-alive
   * connections leave by themselves during the shutdown delay.
   */
  beginDrain(): void;
}

/**
 * SocketTimeouts are a public edge's defences against slow clients.
 * `headersTimeoutMs` bounds a slow-headers (slowloris) client;
 * `requestTimeoutMs` bounds receiving the whole request (bodies are at most
 * MAX_BODY_BYTES); neither covers the upstream call, which has its own
 * deadline. `keepAliveTimeoutMs` should outlive the 60 s idle timeout of
 * common load balancers (AWS ALB, nginx), so the balancer, not us, closes
 * an idle connection and never sends on one we just closed.
 */
export interface SocketTimeouts {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

/** DEFAULT_SOCKET_TIMEOUTS are the gateway config's defaults. */
export const DEFAULT_SOCKET_TIMEOUTS: SocketTimeouts = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
});

/**
 * createPublicServer wraps `listener` in a node:http server that counts
 * in-flight requests, so shutdown can wait for exactly those. While
 * draining, responses carry `Connection: close`: a client on a kept-alive
 * connection is moved to another instance instead of reusing this one.
 * A client too slow with its headers or its request gets 408 and is
 * disconnected; requests node:http cannot parse get 400 or 431. Those
 * answers carry the security headers and the envelope too.
 */
export function createPublicServer(
  listener: RequestListener,
  timeouts: SocketTimeouts = DEFAULT_SOCKET_TIMEOUTS,
): PublicServer {
  let inFlight = 0;
  let draining = false;
  let idle: (() => void) | undefined;
  // node:http checks both timeouts on an interval (30 s by default), which
  // would let a slow client keep a socket up to 30 s past its limit.
  const connectionsCheckingInterval = Math.min(1_000, timeouts.headersTimeoutMs);
  const server: Server = createServer({ connectionsCheckingInterval }, (req, res) => {
    inFlight++;
    if (draining) res.setHeader("connection", "close");
    res.once("close", () => {
      if (--inFlight === 0) idle?.();
    });
    listener(req, res);
  });
  server.on("clientError", answerClientError);
  server.headersTimeout = timeouts.headersTimeoutMs;
  server.requestTimeout = timeouts.requestTimeoutMs;
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    inFlight: () => inFlight,
    beginDrain() {
      draining = true;
    },
    async drain(deadlineMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          idle = resolve;
          timer = setTimeout(resolve, deadlineMs);
        });
        clearTimeout(timer);
      }
      // Whatever is left missed the deadline, or is an idle socket that
      // turned up after closeIdleConnections.
      server.closeAllConnections();
      await closed;
    },
  };
}
