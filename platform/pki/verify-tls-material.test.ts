import { X509Certificate } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validityPeriod } from "./cert-validity.js";
import {
  certToPem,
  generateKeyPair,
  privateKeyToPem,
  signingAlgorithm,
  x509,
} from "./pki-crypto.js";
import { ensureServiceCert, type ServiceCert } from "./service-cert.js";
import { verifyTlsMaterial } from "./verify-tls-material.js";

let dirs: string[];
let orders: ServiceCert;
let identity: ServiceCert;
let foreign: ServiceCert;

beforeAll(async () => {
  dirs = [
    await mkdtemp(join(tmpdir(), "verify-tls-")),
    await mkdtemp(join(tmpdir(), "verify-tls-")),
  ];
  orders = await ensureServiceCert(dirs[0]!, { service: "orders" });
  identity = await ensureServiceCert(dirs[0]!, { service: "identity" });
  foreign = await ensureServiceCert(dirs[1]!, { service: "orders" });
});
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

const pair = (cert: ServiceCert) => ({ cert: cert.cert, key: cert.key, ca: cert.ca });

describe("verifyTlsMaterial", () => {
  it("accepts a certificate with its key, signed by the CA, and returns it", () => {
    const leaf = verifyTlsMaterial(pair(orders));
    expect(leaf.serialNumber).toBe(new X509Certificate(orders.cert).serialNumber);
  });

  it("rejects a key that belongs to another certificate, without quoting it", () => {
    const material = { ...pair(orders), key: identity.key };
    expect(() => verifyTlsMaterial(material)).toThrow("the key does not match the certificate");
  });

  it("rejects a certificate outside its validity period", () => {
    const cert = new X509Certificate(orders.cert);
    const notBefore = Date.parse(cert.validFrom);
    const notAfter = Date.parse(cert.validTo);
    expect(() => verifyTlsMaterial(pair(orders), notBefore - 1)).toThrow("is not valid before");
    expect(() => verifyTlsMaterial(pair(orders), notAfter)).toThrow("the certificate expired");
    expect(verifyTlsMaterial(pair(orders), notAfter - 1).serialNumber).toBe(cert.serialNumber);
  });

  it("rejects a certificate another CA signed", () => {
    const material = { ...pair(foreign), ca: orders.ca };
    expect(() => verifyTlsMaterial(material)).toThrow(
      "the certificate does not chain to the CA bundle",
    );
  });

  it("accepts a CA bundle holding the signing CA among others (a CA rotation)", () => {
    const material = { ...pair(foreign), ca: orders.ca + foreign.ca };
    expect(verifyTlsMaterial(material).serialNumber).toBe(
      new X509Certificate(foreign.cert).serialNumber,
    );
  });

  it("follows intermediates that come after the leaf in the certificate file", async () => {
    const { leaf, ...chain } = await issueThroughIntermediate();
    expect(verifyTlsMaterial(chain).subject).toBe("CN=leaf");
    const leafOnly = { ...chain, cert: leaf };
    expect(() => verifyTlsMaterial(leafOnly)).toThrow("does not chain to the CA bundle");
  });

  it("rejects half-written and garbage files", () => {
    const halfCert = { ...pair(orders), cert: orders.cert.slice(0, orders.cert.length / 2) };
    expect(() => verifyTlsMaterial(halfCert)).toThrow("the certificate holds no PEM certificate");
    const noCa = { ...pair(orders), ca: "" };
    expect(() => verifyTlsMaterial(noCa)).toThrow("the CA bundle holds no PEM certificate");
    const badKey = {
      ...pair(orders),
      key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    };
    expect(() => verifyTlsMaterial(badKey)).toThrow("the key is not a readable private key");
    const badCert = {
      ...pair(orders),
      cert: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    };
    expect(() => verifyTlsMaterial(badCert)).toThrow(
      "the certificate is not a readable certificate",
    );
  });
});

/** issueThroughIntermediate: root CA → intermediate CA → leaf, as a cluster issuer may chain. */
async function issueThroughIntermediate() {
  const period = validityPeriod(1);
  const rootKeys = await generateKeyPair();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=root",
    ...period,
    signingAlgorithm,
    keys: rootKeys,
    extensions: [new x509.BasicConstraintsExtension(true, 1, true)],
  });
  const intermediateKeys = await generateKeyPair();
  const intermediate = await x509.X509CertificateGenerator.create({
    subject: "CN=intermediate",
    issuer: root.subject,
    ...period,
    signingAlgorithm,
    publicKey: intermediateKeys.publicKey,
    signingKey: rootKeys.privateKey,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  const leafKeys = await generateKeyPair();
  const leaf = await x509.X509CertificateGenerator.create({
    subject: "CN=leaf",
    issuer: intermediate.subject,
    ...period,
    signingAlgorithm,
    publicKey: leafKeys.publicKey,
    signingKey: intermediateKeys.privateKey,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
  });
  return {
    leaf: certToPem(leaf),
    cert: certToPem(leaf) + certToPem(intermediate),
    key: await privateKeyToPem(leafKeys.privateKey),
    ca: certToPem(root),
  };
}
