import { constants, type Http2Session } from "node:http2";

// Streams each server session is serving now, and the sessions told to go away.
const activeStreams = new WeakMap<Http2Session, number>();
const goingAway = new WeakSet<Http2Session>();

/** streamOpened counts a stream the session now serves. */
export function streamOpened(session: Http2Session): void {
  activeStreams.set(session, (activeStreams.get(session) ?? 0) + 1);
}

/**
 * streamClosed counts it off. When the last one closes on a session
 * closeGracefully was called on, the session is closed at once (see there).
 */
export function streamClosed(session: Http2Session): void {
  const left = (activeStreams.get(session) ?? 1) - 1;
  activeStreams.set(session, left);
  if (left === 0 && goingAway.has(session)) finalClose(session);
}

/**
 * closeGracefully is HTTP/2's two-step shutdown (RFC 9113 section 6.8): a
 * GOAWAY naming the largest stream id tells the client to open no new
 * streams, while streams already on the wire still count; after one ping
 * round trip every such stream has arrived, and the final GOAWAY closes the
 * session once they finish. A single GOAWAY would refuse calls the client
 * had already sent.
 *
 * One catch: once a GOAWAY is sent, nghttp2 stops wanting to read as soon
 * as the session has no active stream, and Node then stops reading the
 * socket, so neither the ping's answer nor a call the client sent in the
 * meantime is ever read; the session would hang until destroyed, and those
 * calls with it. So a going-away session with no stream left is closed
 * right then: the final GOAWAY names the last stream it processed, and the
 * client sees any later one refused (REFUSED_STREAM), provably unprocessed.
 * The platform client's unary calls and grpc-js send such a call again on a
 * new connection; connect-node, and so the platform client's streaming
 * calls, report it as an error. A drain refused them before too, only
 * later; a maximum connection age would do it every age, which is why that
 * is opt-in (RPC_MAX_CONNECTION_AGE_MS).
 */
export function closeGracefully(session: Http2Session): void {
  if (session.closed || session.destroyed || goingAway.has(session)) return;
  goingAway.add(session);
  session.goaway(constants.NGHTTP2_NO_ERROR, 2 ** 31 - 1);
  if ((activeStreams.get(session) ?? 0) === 0) {
    finalClose(session);
    return;
  }
  const sent = session.ping(() => finalClose(session));
  if (!sent) finalClose(session);
}

function finalClose(session: Http2Session): void {
  if (!session.closed && !session.destroyed) session.close();
}
