import { X509Certificate } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expiresSoon, renewBeforeMs, validityPeriod } from "./cert-validity.js";
import { ensureServiceCert } from "./service-cert.js";

const dir = await mkdtemp(join(tmpdir(), "cert-validity-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("validityPeriod", () => {
  it("starts an hour early and lasts the given days", () => {
    const now = Date.UTC(2030, 0, 1);
    const { notBefore, notAfter } = validityPeriod(90, now);
    expect(notBefore.toISOString()).toBe("2029-12-31T23:00:00.000Z");
    expect(notAfter.toISOString()).toBe("2030-04-01T00:00:00.000Z");
  });
});

describe("expiresSoon", () => {
  it("is true within seven days of notAfter and after it", async () => {
    const cert = new X509Certificate((await ensureServiceCert(dir, { service: "clock" })).cert);
    const notAfter = Date.parse(cert.validTo);
    expect(expiresSoon(cert, notAfter - renewBeforeMs - 60_000)).toBe(false);
    expect(expiresSoon(cert, notAfter - renewBeforeMs + 60_000)).toBe(true);
    expect(expiresSoon(cert, notAfter + 1)).toBe(true);
  });
});
