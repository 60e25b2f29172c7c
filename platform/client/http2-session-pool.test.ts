import { mkdtemp, rm } from "node:fs/promises";
import type http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureServiceCert, type ServiceCert } from "../pki/index.js";
import { createHttp2SessionPool } from "./http2-session-pool.js";
import { startTestH2Server, type TestH2Server } from "./test-h2-server.js";

let dir: string;
let serverCert: ServiceCert;
let clientCert: ServiceCert;
let server: TestH2Server;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "protoplane-pool-"));
  serverCert = await ensureServiceCert(dir, { service: "pool" });
  clientCert = await ensureServiceCert(dir, { service: "pool-client" });
  server = await startTestH2Server(serverCert, (stream) => {
    stream.respond({ ":status": 200 });
    stream.end();
  });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function connected(session: http2.ClientHttp2Session): Promise<void> {
  return session.connecting
    ? new Promise((resolve) => session.once("connect", () => resolve()))
    : Promise.resolve();
}

function closed(session: http2.ClientHttp2Session): Promise<void> {
  return session.destroyed
    ? Promise.resolve()
    : new Promise((resolve) => session.once("close", () => resolve()));
}

describe("createHttp2SessionPool", () => {
  it("connects lazily and hands out one session, even while it is still connecting", async () => {
    const pool = createHttp2SessionPool({ baseUrl: server.url, tls: clientCert });
    const before = server.sessions.length;
    const first = pool.session();
    expect(first.connecting).toBe(true);
    expect(pool.session() === first).toBe(true);
    await connected(first);
    expect(pool.session() === first).toBe(true);
    await expect.poll(() => server.sessions.length).toBe(before + 1);
    await pool.close();
  });

  it("opens a new session after a GOAWAY or a dropped connection", async () => {
    const pool = createHttp2SessionPool({ baseUrl: server.url, tls: clientCert });
    const before = server.sessions.length;
    const first = pool.session();
    await connected(first);
    await expect.poll(() => server.sessions.length).toBe(before + 1);
    const goaway = new Promise((resolve) => first.once("goaway", resolve));
    server.sessions.at(-1)!.goaway();
    await goaway;
    const second = pool.session();
    expect(second === first).toBe(false); // not toBe: vitest deep-compares sessions
    await connected(second);
    await expect.poll(() => server.sessions.length).toBe(before + 2);
    server.sessions.at(-1)!.destroy();
    await closed(second);
    expect(pool.session() === second).toBe(false); // not toBe: vitest deep-compares sessions
    await pool.close();
  });

  it("refuses new sessions after close()", async () => {
    const pool = createHttp2SessionPool({ baseUrl: server.url, tls: clientCert });
    await connected(pool.session());
    await pool.close();
    let err: unknown;
    try {
      pool.session();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
  });

  it("drops a session whose keepalive ping goes unanswered", async () => {
    // A peer that completes the TLS handshake and then never speaks HTTP/2.
    const { cert, key } = serverCert;
    const silent = tls.createServer({ cert, key, ALPNProtocols: ["h2"] }, () => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const pool = createHttp2SessionPool({
      baseUrl: `https://localhost:${port}`,
      tls: clientCert,
      keepaliveMs: 50,
    });
    const session = pool.session();
    await closed(session);
    expect(pool.session() === session).toBe(false); // not toBe: vitest deep-compares sessions
    await pool.close();
    silent.close();
  });
});
