import type { GrpcTransportOptions } from "@connectrpc/connect-node";
import type { Http2SessionPool } from "./http2-session-pool.js";
import { connectErrorFromRequest } from "./node-http2-error.js";

/** The session manager contract of connect-node's transports (not exported by name). */
export type NodeHttp2ClientSessionManager = NonNullable<GrpcTransportOptions["sessionManager"]>;

/**
 * createPoolSessionManager lets connect-node's gRPC transport open its
 * streams on the pool's session, so streaming and unary calls to a target
 * share one TLS connection. Each stream holds the process open until it
 * closes, because a stream may run without a deadline timer.
 */
export function createPoolSessionManager(pool: Http2SessionPool): NodeHttp2ClientSessionManager {
  return {
    authority: pool.authority,
    request(method, path, headers, options) {
      try {
        const stream = pool
          .session()
          .request({ ...headers, ":method": method, ":path": path }, options);
        pool.hold(stream);
        return Promise.resolve(stream);
      } catch (err) {
        return Promise.reject(connectErrorFromRequest(err));
      }
    },
    // The pool's keepalive pings on a fixed interval, whatever was read.
    notifyResponseByteRead() {},
  };
}
