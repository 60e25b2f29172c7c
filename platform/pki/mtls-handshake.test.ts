import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spiffeIdFromCert } from "./peer-identity.js";
import { ensureServiceCert, type ServiceCert } from "./service-cert.js";

// End-to-end check of the PKI with a real TLS stack: the server requires and
// verifies client certificates against the dev CA, as every service will.

let dir: string;
let otherDir: string;
let server: tls.Server;
let port: number;
let orders: ServiceCert;
let identity: ServiceCert;
const seenPeers: (string | undefined)[] = [];
const clientErrors: Error[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mtls-"));
  otherDir = await mkdtemp(join(tmpdir(), "mtls-other-"));
  identity = await ensureServiceCert(dir, { service: "identity" });
  orders = await ensureServiceCert(dir, { service: "orders" });
  server = tls.createServer({
    key: identity.key,
    cert: identity.cert,
    ca: identity.ca,
    requestCert: true,
    rejectUnauthorized: true,
  });
  server.on("secureConnection", (socket) => {
    seenPeers.push(spiffeIdFromCert(socket.getPeerCertificate()));
    socket.end("hello");
  });
  server.on("tlsClientError", (error) => clientErrors.push(error));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
  await rm(otherDir, { recursive: true, force: true });
});

/**
 * connect resolves with what the server sent, or with "rejected" when the
 * connection fails. With TLS 1.3 the client may finish its side of the
 * handshake before the server rejects its certificate, so a rejection shows
 * up as an error or an empty close rather than a failed `secureConnect`.
 */
function connect(options: tls.ConnectionOptions): Promise<{ data: string; serverId?: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca: identity.ca, ...options });
    let data = "";
    let serverId: string | undefined;
    socket.on("secureConnect", () => {
      serverId = spiffeIdFromCert(socket.getPeerCertificate());
    });
    socket.on("data", (chunk) => {
      data += chunk;
    });
    socket.on("error", () => resolve({ data: "rejected" }));
    socket.on("close", () => resolve(data === "" ? { data: "rejected" } : { data, serverId }));
  });
}

describe("mTLS with service certificates", () => {
  it("lets a service with a certificate from the dev CA in, identified by its SPIFFE ID", async () => {
    const result = await connect({ key: orders.key, cert: orders.cert });
    expect(result).toEqual({ data: "hello", serverId: "spiffe://protoplane.local/svc/identity" });
    expect(seenPeers).toEqual(["spiffe://protoplane.local/svc/orders"]);
  });

  it("verifies the server by host name too", async () => {
    const result = await connect({ key: orders.key, cert: orders.cert, servername: "localhost" });
    expect(result.data).toBe("hello");
  });

  it("rejects a client without a certificate", async () => {
    const before = clientErrors.length;
    expect(await connect({})).toEqual({ data: "rejected" });
    await waitFor(() => clientErrors.length > before);
    expect(seenPeers).not.toContain(undefined);
  });

  it("rejects a client whose certificate comes from another CA", async () => {
    const stranger = await ensureServiceCert(otherDir, { service: "orders" });
    const before = clientErrors.length;
    expect(await connect({ key: stranger.key, cert: stranger.cert })).toEqual({ data: "rejected" });
    await waitFor(() => clientErrors.length > before);
    expect(seenPeers).toHaveLength(2);
  });

  it("makes the client reject a server it does not trust", async () => {
    const stranger = await ensureServiceCert(otherDir, { service: "orders" });
    const result = await connect({ key: orders.key, cert: orders.cert, ca: stranger.ca });
    expect(result).toEqual({ data: "rejected" });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
