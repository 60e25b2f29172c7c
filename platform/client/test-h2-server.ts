import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { ClientTlsOptions } from "./http2-session-pool.js";

/** TestH2Server is a bare HTTP/2 server for protocol edge cases no gRPC server produces on demand. */
export interface TestH2Server {
  readonly url: string;
  /** Server-side sessions, in the order clients connected. */
  readonly sessions: http2.ServerHttp2Session[];
  close(): Promise<void>;
}

/**
 * startTestH2Server serves `onStream` over mTLS on 127.0.0.1, for tests
 * that need to script the wire: trailers-only responses, resets, GOAWAY.
 */
export async function startTestH2Server(
  tls: ClientTlsOptions,
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void,
): Promise<TestH2Server> {
  const { cert, key, ca } = tls;
  const server = http2.createSecureServer({
    cert,
    key,
    ca,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const sessions: http2.ServerHttp2Session[] = [];
  server.on("session", (session) => sessions.push(session));
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {}); // scripted resets are the point, not failures
    onStream(stream, headers);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://localhost:${port}`,
    sessions,
    close: () =>
      new Promise((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
