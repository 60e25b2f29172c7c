/**
 * A cert-manager renewal, replayed: identity runs with TLS_*_PATH pointing
 * into a directory laid out as the kubelet mounts a Secret, and the test
 * swaps new files in as the kubelet does. New TLS connections must see the
 * new certificate within a few TLS_RELOAD_INTERVAL_MS, connections already
 * open must go on working, and bad files must change nothing. On the
 * client side, a session pool fed by the same reloader must present its
 * renewed certificate on its next session without failing a call in flight.
 */
import { mkdtemp, rm } from "node:fs/promises";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp2SessionPool } from "../../platform/client/http2-session-pool.js";
import { startTestH2Server } from "../../platform/client/test-h2-server.js";
import { createLogger } from "../../platform/log/index.js";
import type { TlsMaterial } from "../../platform/service/resolve-tls.js";
import {
  createTestSecretVolume,
  type TestSecretVolume,
} from "../../platform/service/test-secret-volume.js";
import { startTlsReloader } from "../../platform/service/tls-reloader.js";
import { startTestIdentity, type TestIdentity } from "../support/start-test-identity.js";
import { createTestPki, serialOf, type TestPki } from "../support/test-pki.js";

const RELOAD_MS = 100;
// Several ticks: long enough for a reload that should happen to have happened.
const SETTLE_MS = RELOAD_MS * 6;

let scratch: string;
let pki: TestPki;
let identity: TestIdentity;
let volume: TestSecretVolume;
let caller: TlsMaterial;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "pp-cert-reload-"));
  pki = await createTestPki();
  caller = await pki.issue("gateway");
  volume = await createTestSecretVolume(
    await mkdtemp(join(scratch, "identity-tls-")),
    await pki.issue("identity"),
  );
  identity = await startTestIdentity({
    CERTS_DIR: pki.dir,
    TLS_CERT_PATH: volume.files.certPath,
    TLS_KEY_PATH: volume.files.keyPath,
    TLS_CA_PATH: volume.files.caPath,
    TLS_RELOAD_INTERVAL_MS: String(RELOAD_MS),
  });
});
afterAll(async () => {
  await identity?.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** servedSerial makes a new mTLS connection (ALPN h2) and returns the server certificate's serial. */
function servedSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: "127.0.0.1",
      port: identity.service.rpcPort,
      ...caller,
      ALPNProtocols: ["h2"],
    });
    socket.once("secureConnect", () => {
      const serial = socket.alpnProtocol === "h2" ? socket.getPeerCertificate().serialNumber : "";
      socket.end();
      resolve(serial);
    });
    socket.once("error", reject);
  });
}

/** healthCheck sends grpc.health.v1.Health/Check on `session` and returns the grpc-status. */
function healthCheck(session: http2.ClientHttp2Session): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ":method": "POST",
      ":path": "/grpc.health.v1.Health/Check",
      "content-type": "application/grpc",
      te: "trailers",
    });
    stream.once("trailers", (trailers) => resolve(String(trailers["grpc-status"])));
    stream.once("error", reject);
    stream.resume();
    stream.end(Buffer.alloc(5)); // one empty HealthCheckRequest frame
  });
}

describe("reloading renewed certificates", () => {
  it("serves a renewed certificate to new connections while open ones keep working", async () => {
    const before = await servedSerial();
    const session = http2.connect(`https://127.0.0.1:${identity.service.rpcPort}`, caller);
    try {
      expect(await healthCheck(session)).toBe("0");
      const renewed = await pki.issue("identity");
      expect(serialOf(renewed)).not.toBe(before);
      await volume.write(renewed);

      await expect.poll(servedSerial, { interval: 50, timeout: 5_000 }).toBe(serialOf(renewed));
      // The session opened before the renewal still runs on the old certificate.
      expect(await healthCheck(session)).toBe("0");
      expect((session.socket as TLSSocket).getPeerCertificate().serialNumber).toBe(before);
    } finally {
      session.close();
    }
  });

  it("keeps the current certificate when the files are bad, and takes the next good pair", async () => {
    const serving = await servedSerial();
    const other = await pki.issue("identity");
    const next = await pki.issue("identity");
    await volume.write({ ...other, key: next.key });
    await sleep(SETTLE_MS);
    expect(await servedSerial()).toBe(serving);
    await volume.write({ ...other, cert: "-----BEGIN CERTIFICATE-----\ngarbage" });
    await sleep(SETTLE_MS);
    expect(await servedSerial()).toBe(serving);

    await volume.write(next);
    await expect.poll(servedSerial, { interval: 50, timeout: 5_000 }).toBe(serialOf(next));
  });
});

describe("reloading a client certificate", () => {
  it("presents the renewed certificate on the next session without failing a call in flight", async () => {
    const seen: string[] = [];
    const held: http2.ServerHttp2Stream[] = [];
    const server = await startTestH2Server(await pki.issue("orders"), (stream, headers) => {
      seen.push((stream.session?.socket as TLSSocket).getPeerCertificate().serialNumber);
      if (headers[":path"] === "/slow") held.push(stream);
      else stream.respond({ ":status": 200 }, { endStream: true });
    });
    const first = await pki.issue("gateway");
    const clientVolume = await createTestSecretVolume(
      await mkdtemp(join(scratch, "gateway-tls-")),
      first,
    );
    const logger = createLogger({ service: "gateway", level: "silent" });
    const reloader = startTlsReloader(first, {
      files: clientVolume.files,
      intervalMs: RELOAD_MS,
      logger,
    });
    const pool = createHttp2SessionPool({ baseUrl: server.url, tls: reloader.tls });
    try {
      const oldSession = pool.session();
      const slow = statusOf(oldSession.request({ ":path": "/slow" }));
      await expect.poll(() => held.length).toBe(1);
      expect(seen).toEqual([serialOf(first)]);

      const renewed = await pki.issue("gateway");
      await clientVolume.write(renewed);
      await expect.poll(() => reloader.tls.cert, { timeout: 5_000 }).toBe(renewed.cert);

      const newSession = pool.session();
      expect(newSession).not.toBe(oldSession);
      expect(await statusOf(newSession.request({ ":path": "/fast" }))).toBe(200);
      expect(seen).toEqual([serialOf(first), serialOf(renewed)]);

      // The retired session finishes its call, then closes.
      held[0]!.respond({ ":status": 200 }, { endStream: true });
      expect(await slow).toBe(200);
      await expect.poll(() => oldSession.closed).toBe(true);
      expect(pool.session()).toBe(newSession);
    } finally {
      // Server first: its sessions' end also ends a call still held on a failure.
      await server.close();
      await pool.close();
      await reloader.stop();
    }
  });
});

function statusOf(stream: http2.ClientHttp2Stream): Promise<number> {
  return new Promise((resolve, reject) => {
    stream.once("response", (headers) => resolve(Number(headers[":status"])));
    stream.once("error", reject);
    stream.resume();
    stream.end();
  });
}
