import { X509Certificate } from "node:crypto";
import type { PeerCertificate } from "node:tls";
import { describe, expect, it } from "vitest";
import { serviceNameFromSpiffeId, spiffeIdForService, spiffeIdFromCert } from "./peer-identity.js";
import { generateKeyPair, x509 } from "./pki-crypto.js";

// A throwaway self-signed certificate with arbitrary URI SANs.
async function certWithUris(...uris: string[]) {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=test",
    keys: await generateKeyPair(),
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [
      new x509.SubjectAlternativeNameExtension(uris.map((value) => ({ type: "url", value }))),
    ],
  });
  return { peculiar: cert, node: new X509Certificate(cert.toString("pem")) };
}

describe("spiffeIdFromCert", () => {
  it("reads the SPIFFE URI from node and @peculiar/x509 certificates", async () => {
    const { node, peculiar } = await certWithUris(
      "https://example.com",
      "spiffe://protoplane.local/svc/orders",
    );
    expect(spiffeIdFromCert(node)).toBe("spiffe://protoplane.local/svc/orders");
    expect(spiffeIdFromCert(peculiar)).toBe("spiffe://protoplane.local/svc/orders");
  });

  it("reads tls.PeerCertificate and handles a peer without certificate", () => {
    const peer = {
      subjectaltname: "DNS:localhost, URI:spiffe://protoplane.local/svc/a",
    } as PeerCertificate;
    expect(spiffeIdFromCert(peer)).toBe("spiffe://protoplane.local/svc/a");
    expect(spiffeIdFromCert({} as PeerCertificate)).toBeUndefined();
  });

  it("rejects certificates with no or several SPIFFE IDs", async () => {
    expect(spiffeIdFromCert((await certWithUris("https://example.com")).node)).toBeUndefined();
    const two = await certWithUris(
      "spiffe://protoplane.local/svc/a",
      "spiffe://protoplane.local/svc/b",
    );
    expect(spiffeIdFromCert(two.node)).toBeUndefined();
  });

  it("is not fooled by a URI that embeds a fake second entry", async () => {
    const { node } = await certWithUris(
      "spiffe://evil.example/x, URI:spiffe://protoplane.local/svc/admin",
    );
    expect(spiffeIdFromCert(node)).toBe(
      "spiffe://evil.example/x, URI:spiffe://protoplane.local/svc/admin",
    );
    expect(serviceNameFromSpiffeId(spiffeIdFromCert(node)!, "protoplane.local")).toBeUndefined();
  });
});

describe("serviceNameFromSpiffeId", () => {
  it("returns the service of this trust domain", () => {
    expect(
      serviceNameFromSpiffeId("spiffe://protoplane.local/svc/identity", "protoplane.local"),
    ).toBe("identity");
    expect(spiffeIdForService("protoplane.local", "identity")).toBe(
      "spiffe://protoplane.local/svc/identity",
    );
  });

  it.each([
    ["another trust domain", "spiffe://other.local/svc/identity"],
    ["a trust domain that only starts the same", "spiffe://protoplane.local.evil/svc/identity"],
    ["a path other than /svc/", "spiffe://protoplane.local/ns/identity"],
    ["a nested path", "spiffe://protoplane.local/svc/identity/extra"],
    ["an empty name", "spiffe://protoplane.local/svc/"],
    ["an invalid name", "spiffe://protoplane.local/svc/Identity"],
    ["another scheme", "https://protoplane.local/svc/identity"],
  ])("returns undefined for %s", (_, id) => {
    expect(serviceNameFromSpiffeId(id, "protoplane.local")).toBeUndefined();
  });
});
