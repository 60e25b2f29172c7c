import http2 from "node:http2";

/** The last stream id each session's peer promised to process, from its GOAWAY. */
const goawayLastStreamIds = new WeakMap<http2.Http2Session, number>();

/**
 * trackGoaway remembers the last-stream-id of a GOAWAY the peer sends on
 * `session`: streams above it were never processed (RFC 9113 6.8).
 */
export function trackGoaway(session: http2.ClientHttp2Session): void {
  session.on("goaway", (_code: number, lastStreamId: number) => {
    goawayLastStreamIds.set(session, lastStreamId);
  });
}

/**
 * wasUnprocessed tells whether a stream that failed without a response
 * provably never reached the server's application: it was still pending
 * when the connection failed, the server refused it (REFUSED_STREAM), or
 * its id is above a GOAWAY's last-stream-id. gRPC retries such calls
 * transparently, whatever their idempotency; so does this client, once.
 * See https://github.com/grpc/proposal/blob/master/A6-client-retries.md#transparent-retries
 */
export function wasUnprocessed(
  session: http2.ClientHttp2Session,
  stream: http2.ClientHttp2Stream,
  failure: unknown,
): boolean {
  if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) return true;
  if ((failure as { code?: unknown } | undefined)?.code === "ERR_HTTP2_STREAM_CANCEL") return true;
  const last = goawayLastStreamIds.get(session);
  return last !== undefined && stream.id !== undefined && stream.id > last;
}
