import http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { trackGoaway } from "./unprocessed-stream.js";

/** ClientTlsOptions is the mTLS material a client presents and trusts (PEM). */
export interface ClientTlsOptions {
  /** This workload's certificate chain. */
  readonly cert: string | Buffer;
  /** This workload's private key. */
  readonly key: string | Buffer;
  /** The CA that signs the servers we call. */
  readonly ca: string | Buffer;
}

/** Http2SessionPoolOptions says where to connect and how. */
export interface Http2SessionPoolOptions {
  /** `https://host:port`; a path in it is ignored here (the transport uses it). */
  readonly baseUrl: string;
  /** Read for each new session; a change retires the current one (see below). */
  readonly tls: ClientTlsOptions;
  /** TLS server name to send and verify, when it differs from the URL's host. */
  readonly servername?: string;
  /**
   * Send an HTTP/2 PING this often and drop the session when the previous one
   * went unanswered, so a silently dead peer fails calls as UNAVAILABLE and the
   * next call reconnects. Off by default.
   */
  readonly keepaliveMs?: number;
}

/** Http2SessionPool holds the one HTTP/2 connection to a target. */
export interface Http2SessionPool {
  /** The target's origin, e.g. `https://orders:8443`. */
  readonly authority: string;
  /**
   * session returns the current session, opening one when there is none or
   * the last one closed, errored or got a GOAWAY. A session still connecting
   * is returned as is: Node queues streams until the handshake is done, so
   * there is never more than one connect in flight.
   */
  session(): http2.ClientHttp2Session;
  /**
   * hold keeps the process alive while `stream` is open. Sessions are
   * unref'd so an idle client never blocks exit; unary calls need no hold
   * because their deadline timer is ref'd, streams without a deadline do.
   */
  hold(stream: http2.ClientHttp2Stream): void;
  /** close stops new sessions and closes the open ones once their streams end. */
  close(): Promise<void>;
}

/**
 * createHttp2SessionPool connects lazily to `baseUrl` with mutual TLS and
 * reconnects lazily after the session is lost. `tls` is read for each new
 * session: when its fields change (a reloaded certificate, see
 * platform/service/tls-reloader.ts), the current session is retired
 * gracefully (its streams finish, as on `close`) and the next call opens a
 * session that presents the new certificate and trusts the new CA.
 */
export function createHttp2SessionPool(options: Http2SessionPoolOptions): Http2SessionPool {
  const url = new URL(options.baseUrl);
  const holds = new WeakMap<http2.Http2Session, number>();
  const retiring = new Set<http2.ClientHttp2Session>();
  let current: http2.ClientHttp2Session | undefined;
  let openedWith: ClientTlsOptions | undefined;
  let closed = false;

  function open(): http2.ClientHttp2Session {
    openedWith = snapshot(options.tls);
    const session = http2.connect(url.origin, toConnectOptions(openedWith, options.servername));
    const forget = () => {
      if (current === session) current = undefined;
    };
    // Errors also arrive on every open stream; the listener only keeps an
    // unhandled 'error' from crashing the process.
    session.on("error", forget);
    session.on("goaway", forget);
    session.on("close", forget);
    trackGoaway(session);
    session.unref();
    if (options.keepaliveMs) startKeepalive(session, options.keepaliveMs);
    return session;
  }

  function retire(session: http2.ClientHttp2Session): void {
    if (session.destroyed) return;
    retiring.add(session);
    session.close(() => retiring.delete(session));
  }

  function release(session: http2.Http2Session): void {
    const count = (holds.get(session) ?? 1) - 1;
    holds.set(session, count);
    if (count === 0 && !session.destroyed) session.unref();
  }

  return {
    authority: url.origin,
    session() {
      if (current && !current.closed && !current.destroyed) {
        if (sameTls(options.tls, openedWith!)) return current;
        retire(current);
      }
      if (closed) throw new ConnectError("the client is closed", Code.Unavailable);
      current = open();
      return current;
    },
    hold(stream) {
      const session = stream.session;
      if (!session || stream.closed) return;
      const count = holds.get(session) ?? 0;
      holds.set(session, count + 1);
      if (count === 0) session.ref();
      stream.once("close", () => release(session));
    },
    close() {
      closed = true;
      const sessions = [...retiring];
      if (current && !current.destroyed) sessions.push(current);
      current = undefined;
      return Promise.all(sessions.map(closeSession)).then(() => undefined);
    },
  };
}

function closeSession(session: http2.ClientHttp2Session): Promise<void> {
  if (session.destroyed) return Promise.resolve();
  // An idle session is unref'd; ref it so the process lives until the
  // close completes, or an awaited close() never settles (exit code 13).
  session.ref();
  return new Promise((resolve) => {
    session.once("close", () => resolve());
    session.close();
  });
}

// Live material (a reloader's getters) is read once per session, so the
// certificate, key and CA a session uses always belong together.
function snapshot(tls: ClientTlsOptions): ClientTlsOptions {
  return { cert: tls.cert, key: tls.key, ca: tls.ca };
}

/**
 * sameTls says whether two sets of TLS material are the same; reference
 * compares of unchanged strings make it nearly free on every call.
 */
export function sameTls(a: ClientTlsOptions, b: ClientTlsOptions): boolean {
  return a.cert === b.cert && a.key === b.key && a.ca === b.ca;
}

function toConnectOptions(
  tls: ClientTlsOptions,
  servername: string | undefined,
): http2.SecureClientSessionOptions {
  const { cert, key, ca } = tls;
  const connectOptions: http2.SecureClientSessionOptions = { cert, key, ca, ALPNProtocols: ["h2"] };
  if (servername) connectOptions.servername = servername;
  return connectOptions;
}

/** startKeepalive pings on an unref'd timer; an unanswered ping destroys the session. */
function startKeepalive(session: http2.ClientHttp2Session, intervalMs: number): void {
  let awaitingAck = false;
  const timer = setInterval(() => {
    if (session.destroyed || session.connecting) return;
    if (awaitingAck) {
      session.destroy(Object.assign(new Error("keepalive ping timed out"), { code: "ETIMEDOUT" }));
      return;
    }
    awaitingAck = session.ping((err) => {
      awaitingAck = false;
      if (err && !session.destroyed) session.destroy(err);
    });
  }, intervalMs);
  timer.unref();
  session.once("close", () => clearInterval(timer));
}
