import { X509Certificate } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spiffeIdFromCert } from "./peer-identity.js";
import { ensureServiceCert } from "./service-cert.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "service-cert-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("ensureServiceCert", () => {
  it("issues a certificate signed by the dev CA with the SPIFFE ID and local hosts", async () => {
    const svc = await ensureServiceCert(dir, { service: "orders" });
    const cert = new X509Certificate(svc.cert);
    const ca = new X509Certificate(svc.ca);
    expect(svc.spiffeId).toBe("spiffe://protoplane.local/svc/orders");
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toContain("URI:spiffe://protoplane.local/svc/orders");
    expect(spiffeIdFromCert(cert)).toBe(svc.spiffeId);
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkIP("::1")).toBe("::1");
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    const days = (Date.parse(cert.validTo) - Date.now()) / (24 * 3600 * 1000);
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
  });

  it("writes files 0600 and returns their paths", async () => {
    const svc = await ensureServiceCert(dir, { service: "orders" });
    expect(svc).toMatchObject({
      certFile: join(dir, "orders.crt"),
      keyFile: join(dir, "orders.key"),
      caFile: join(dir, "ca.crt"),
    });
    for (const file of [svc.certFile, svc.keyFile, svc.caFile]) {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
  });

  it("reuses a valid certificate byte for byte", async () => {
    const first = await ensureServiceCert(dir, { service: "orders" });
    expect(await ensureServiceCert(dir, { service: "orders" })).toEqual(first);
  });

  it("reissues when the CA changed", async () => {
    const first = await ensureServiceCert(dir, { service: "orders" });
    await rm(first.caFile);
    const second = await ensureServiceCert(dir, { service: "orders" });
    expect(second.ca).not.toBe(first.ca);
    expect(second.cert).not.toBe(first.cert);
    expect(new X509Certificate(second.cert).verify(new X509Certificate(second.ca).publicKey)).toBe(
      true,
    );
  });

  it("reissues when the trust domain or hosts changed", async () => {
    const first = await ensureServiceCert(dir, { service: "orders" });
    const moved = await ensureServiceCert(dir, { service: "orders", trustDomain: "prod.example" });
    expect(moved.spiffeId).toBe("spiffe://prod.example/svc/orders");
    expect(moved.cert).not.toBe(first.cert);
    const named = await ensureServiceCert(dir, {
      service: "orders",
      trustDomain: "prod.example",
      hosts: ["orders.internal", "10.0.0.7"],
    });
    expect(named.cert).not.toBe(moved.cert);
    expect(new X509Certificate(named.cert).checkHost("orders.internal")).toBe("orders.internal");
  });

  it("issues every service from one CA when called concurrently", async () => {
    const services = ["identity", "orders", "billing", "gateway"];
    const certs = await Promise.all(services.map((service) => ensureServiceCert(dir, { service })));
    const ca = new X509Certificate(certs[0]!.ca);
    for (const svc of certs) expect(new X509Certificate(svc.cert).verify(ca.publicKey)).toBe(true);
  });

  it("rejects names that are unsafe as file names or SPIFFE paths", async () => {
    await expect(ensureServiceCert(dir, { service: "../evil" })).rejects.toThrow(
      /invalid service name/,
    );
    await expect(ensureServiceCert(dir, { service: "a", trustDomain: "Evil/x" })).rejects.toThrow(
      /invalid trust domain/,
    );
  });
});
