import { X509Certificate } from "node:crypto";
import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../log/index.js";
import { ensureServiceCert } from "../pki/index.js";
import type { TlsFiles, TlsMaterial } from "./resolve-tls.js";
import { createTestSecretVolume } from "./test-secret-volume.js";
import { reloadMountedTls, startTlsReloader, type TlsReloader } from "./tls-reloader.js";

const INTERVAL_MS = 20;

let scratch: string;
let caDir: string;
let serial = 0;
const reloaders: TlsReloader[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "tls-reloader-"));
  caDir = join(scratch, "ca");
});
afterEach(async () => {
  await Promise.all(reloaders.splice(0).map((r) => r.stop()));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** issue returns a fresh certificate (new key, new serial) from the one test CA. */
async function issue(): Promise<TlsMaterial> {
  const cert = await ensureServiceCert(caDir, { service: `svc${++serial}` });
  return { cert: cert.cert, key: cert.key, ca: cert.ca };
}

const serialOf = (material: TlsMaterial) => new X509Certificate(material.cert).serialNumber;

function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: "test",
    level: "info",
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

async function start(initial: TlsMaterial, files: TlsFiles) {
  const { logger, lines } = recordingLogger();
  const reloader = startTlsReloader(initial, { files, intervalMs: INTERVAL_MS, logger });
  reloaders.push(reloader);
  const applied: TlsMaterial[] = [];
  reloader.onReload((tls) => applied.push(tls));
  return { reloader, lines, applied };
}

describe("startTlsReloader", () => {
  it("applies a renewed Secret swapped in by the kubelet and logs its serial, not its PEM", async () => {
    const first = await issue();
    const volume = await createTestSecretVolume(await mkdtemp(join(scratch, "vol-")), first);
    const { reloader, lines, applied } = await start(first, volume.files);
    const live = reloader.tls;
    expect(live.cert).toBe(first.cert);

    const renewed = await issue();
    await volume.write(renewed);
    await expect.poll(() => live.cert, { interval: 10 }).toBe(renewed.cert);
    expect({ key: live.key, ca: live.ca }).toEqual({ key: renewed.key, ca: renewed.ca });
    expect(applied).toEqual([renewed]);
    const reloaded = lines.filter((l) => l.msg === "tls certificate reloaded");
    expect(reloaded).toEqual([
      expect.objectContaining({
        level: "info",
        serial_number: serialOf(renewed),
        not_after: new Date(new X509Certificate(renewed.cert).validTo).toISOString(),
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain("PRIVATE KEY");
  });

  it("keeps the current material while a certificate waits for its key, then takes the pair", async () => {
    const first = await issue();
    const dir = await mkdtemp(join(scratch, "plain-"));
    const files = { certPath: join(dir, "c"), keyPath: join(dir, "k"), caPath: join(dir, "a") };
    await Promise.all([
      writeFile(files.certPath, first.cert),
      writeFile(files.keyPath, first.key),
      writeFile(files.caPath, first.ca),
    ]);
    const { reloader, lines, applied } = await start(first, files);

    const renewed = await issue();
    await writeFile(files.certPath, renewed.cert); // a writer that is not atomic, half done
    await sleep(INTERVAL_MS * 5);
    expect(reloader.tls.cert).toBe(first.cert);
    expect(applied).toEqual([]);
    const warnings = lines.filter((l) => l.level === "warn");
    // One warning for this set of files, not one per tick.
    expect(warnings).toEqual([
      expect.objectContaining({
        msg: "tls files rejected; serving the current certificate",
        reason: "the key does not match the certificate",
      }),
    ]);

    await writeFile(files.keyPath, renewed.key);
    await expect.poll(() => reloader.tls.key, { interval: 10 }).toBe(renewed.key);
    expect(reloader.tls.cert).toBe(renewed.cert);
    expect(applied).toEqual([renewed]);
    expect(JSON.stringify(lines)).not.toContain("PRIVATE KEY");
  });

  it("keeps the current material while a file is missing or garbage", async () => {
    const first = await issue();
    const dir = await mkdtemp(join(scratch, "plain-"));
    const files = { certPath: join(dir, "c"), keyPath: join(dir, "k"), caPath: join(dir, "a") };
    await Promise.all([
      writeFile(files.certPath, first.cert),
      writeFile(files.keyPath, first.key),
      writeFile(files.caPath, first.ca),
    ]);
    const { reloader, lines } = await start(first, files);

    await unlink(files.keyPath);
    await expect
      .poll(() =>
        lines.some((l) => l.msg === "tls files unreadable; serving the current certificate"),
      )
      .toBe(true);
    expect(lines.find((l) => l.level === "warn")?.reason).toBe("ENOENT");
    await writeFile(files.keyPath, "not a key");
    await expect
      .poll(() => lines.some((l) => l.reason === "the key is not a readable private key"))
      .toBe(true);
    expect(reloader.tls).toMatchObject({ cert: first.cert, key: first.key, ca: first.ca });
  });

  it("reads nothing more once stopped", async () => {
    const first = await issue();
    const volume = await createTestSecretVolume(await mkdtemp(join(scratch, "vol-")), first);
    const { reloader, applied } = await start(first, volume.files);
    await reloader.stop();
    await volume.write(await issue());
    await sleep(INTERVAL_MS * 5);
    expect(reloader.tls.cert).toBe(first.cert);
    expect(applied).toEqual([]);
  });
});

describe("reloadMountedTls", () => {
  it("reloads only material that came from TLS_*_PATH files", async () => {
    const { logger } = recordingLogger();
    const first = await issue();
    const devPki = {
      tlsCertPath: undefined,
      tlsKeyPath: undefined,
      tlsCaPath: undefined,
      tlsReloadIntervalMs: INTERVAL_MS,
    };
    expect(reloadMountedTls(first, devPki, logger)).toBeUndefined();
    const volume = await createTestSecretVolume(await mkdtemp(join(scratch, "vol-")), first);
    const reloader = reloadMountedTls(
      first,
      {
        tlsCertPath: volume.files.certPath,
        tlsKeyPath: volume.files.keyPath,
        tlsCaPath: volume.files.caPath,
        tlsReloadIntervalMs: INTERVAL_MS,
      },
      logger,
    );
    reloaders.push(reloader!);
    const renewed = await issue();
    await volume.write(renewed);
    await expect.poll(() => reloader?.tls.cert, { interval: 10 }).toBe(renewed.cert);
  });
});
