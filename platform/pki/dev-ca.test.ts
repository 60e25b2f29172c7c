import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureDevCa } from "./dev-ca.js";

let dir: string;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), "dev-ca-")), "certs");
});
afterEach(() => rm(join(dir, ".."), { recursive: true, force: true }));

describe("ensureDevCa", () => {
  it("creates a self-signed P-256 CA valid for ten years", async () => {
    const ca = await ensureDevCa(dir);
    const cert = new X509Certificate(ca.cert);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toContain("CN=protoplane dev CA");
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    const years = (Date.parse(cert.validTo) - Date.now()) / (365 * 24 * 3600 * 1000);
    expect(years).toBeGreaterThan(9.9);
    expect(ca.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it("writes PEM files readable only by the owner, in a private directory", async () => {
    const ca = await ensureDevCa(dir);
    expect(ca.certFile).toBe(join(dir, "ca.crt"));
    expect(await readFile(ca.certFile, "utf8")).toBe(ca.cert);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(ca.certFile)).mode & 0o777).toBe(0o600);
    expect((await stat(ca.keyFile)).mode & 0o777).toBe(0o600);
  });

  it("reuses an existing CA byte for byte", async () => {
    const first = await ensureDevCa(dir);
    const second = await ensureDevCa(dir);
    expect(second).toEqual(first);
  });

  it("creates one CA when called concurrently", async () => {
    const cas = await Promise.all([1, 2, 3, 4].map(() => ensureDevCa(dir)));
    expect(new Set(cas.map((ca) => ca.cert)).size).toBe(1);
  });

  it("replaces a CA whose files are corrupt", async () => {
    const first = await ensureDevCa(dir);
    await writeFile(first.keyFile, "garbage");
    const second = await ensureDevCa(dir);
    expect(second.cert).not.toBe(first.cert);
    expect(new X509Certificate(second.cert).ca).toBe(true);
  });
});
