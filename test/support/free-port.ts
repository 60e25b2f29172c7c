import { createServer } from "node:net";

/**
 * freePort returns a loopback port that was free a moment ago: nothing
 * listens on it, so a connection is refused at once (a service that is
 * down), or a test can start a process on it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
