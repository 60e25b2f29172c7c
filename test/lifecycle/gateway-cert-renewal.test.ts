/**
 * A cert-manager renewal of the gateway's own certificate, end to end:
 * `gateway/main.ts` runs as its own process with TLS_*_PATH in a directory
 * laid out as the kubelet mounts a Secret, in front of an upstream that
 * records which client certificate each call came with. While requests
 * keep flowing, the test swaps a new certificate in: the gateway must log
 * the reload, present the new certificate on its next upstream session,
 * and fail no request on the way.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestH2Server, type TestH2Server } from "../../platform/client/test-h2-server.js";
import type { TlsMaterial } from "../../platform/service/resolve-tls.js";
import {
  createTestSecretVolume,
  type TestSecretVolume,
} from "../../platform/service/test-secret-volume.js";
import { jsonLines, type SpawnedGateway, spawnGateway } from "../support/spawn-gateway.js";
import { createTestPki, serialOf, type TestPki } from "../support/test-pki.js";

// Public and anonymous: it reaches the upstream with no credential to verify.
const PATH = "/.well-known/jwks.json";
const RELOAD_MS = 100;

let scratch: string;
let pki: TestPki;
let upstream: TestH2Server;
let volume: TestSecretVolume;
let gateway: SpawnedGateway;
let first: TlsMaterial;
// The serial of the client certificate each upstream call came with, in order.
const presented: string[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "pp-gw-renewal-"));
  pki = await createTestPki();
  upstream = await startTestH2Server(await pki.issue("identity"), (stream) => {
    presented.push((stream.session?.socket as TLSSocket).getPeerCertificate().serialNumber);
    answerEmpty(stream);
  });
  first = await pki.issue("gateway");
  volume = await createTestSecretVolume(await mkdtemp(join(scratch, "gateway-tls-")), first);
  gateway = await spawnGateway({
    CERTS_DIR: pki.dir,
    TLS_CERT_PATH: volume.files.certPath,
    TLS_KEY_PATH: volume.files.keyPath,
    TLS_CA_PATH: volume.files.caPath,
    TLS_RELOAD_INTERVAL_MS: String(RELOAD_MS),
    UPSTREAMS: `identity=${upstream.url}`,
  });
}, 60_000);

afterAll(async () => {
  gateway?.child.kill("SIGKILL");
  await upstream?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe("the gateway process through a renewal of its certificate", () => {
  it("presents the renewed certificate upstream without failing a request", async () => {
    const url = `http://127.0.0.1:${gateway.port}${PATH}`;
    const statuses: number[] = [];
    expect((await fetch(url)).status).toBe(200);
    expect(new Set(presented)).toEqual(new Set([serialOf(first)]));

    // Requests keep flowing, one after another, across the swap.
    let flowing = true;
    const load = (async () => {
      while (flowing) statuses.push((await fetch(url)).status);
    })();
    const renewed = await pki.issue("gateway");
    await volume.write(renewed);
    try {
      await expect
        .poll(() => presented.includes(serialOf(renewed)), { timeout: 10_000 })
        .toBe(true);
      // Once the new session is in use, no call goes out with the old one.
      const since = presented.indexOf(serialOf(renewed));
      const countAfterSwap = statuses.length;
      await expect
        .poll(() => statuses.length, { timeout: 5_000 })
        .toBeGreaterThan(countAfterSwap + 20);
      expect(new Set(presented.slice(since))).toEqual(new Set([serialOf(renewed)]));
    } finally {
      flowing = false;
      await load;
    }
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const reloaded = jsonLines(gateway.lines).find((l) => l.msg === "tls certificate reloaded");
    expect(reloaded).toMatchObject({ serial_number: serialOf(renewed) });
  });
});

// A gRPC OK carrying one empty message: for GetJwks, a key set with no keys.
function answerEmpty(stream: http2.ServerHttp2Stream): void {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  stream.end(Buffer.alloc(5));
}
