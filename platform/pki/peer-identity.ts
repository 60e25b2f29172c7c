import { X509Certificate } from "node:crypto";
import type { PeerCertificate } from "node:tls";
import { parseSubjectAltName } from "./parse-subject-alt-name.js";
import type { x509 } from "./pki-crypto.js";

/** serviceNamePattern: service names are lowercase, safe in file names and URI paths. */
export const serviceNamePattern = /^[a-z][a-z0-9-]{0,62}$/;

/** spiffeIdForService returns `spiffe://<trustDomain>/svc/<service>`, the identity in a service's certificate. */
export function spiffeIdForService(trustDomain: string, service: string): string {
  return `spiffe://${trustDomain}/svc/${service}`;
}

/**
 * spiffeIdFromCert returns the SPIFFE ID (the `spiffe://` URI SAN) of a
 * peer certificate, or undefined when there is none. A certificate with more
 * than one SPIFFE URI is ambiguous and yields undefined: an X.509-SVID has
 * exactly one (https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md).
 * Call it once per TLS connection, not per request.
 */
export function spiffeIdFromCert(
  cert: PeerCertificate | X509Certificate | x509.X509Certificate,
): string | undefined {
  const names = parseSubjectAltName(subjectAltNameOf(cert) ?? "") ?? [];
  const ids = names.filter((n) => n.type === "URI" && n.value.startsWith("spiffe://"));
  return ids.length === 1 ? ids[0]?.value : undefined;
}

function subjectAltNameOf(cert: PeerCertificate | X509Certificate | x509.X509Certificate) {
  if (cert instanceof X509Certificate) return cert.subjectAltName;
  if ("rawData" in cert) return new X509Certificate(Buffer.from(cert.rawData)).subjectAltName;
  // getPeerCertificate() returns {} when the peer sent no certificate.
  return cert.subjectaltname;
}

/**
 * serviceNameFromSpiffeId returns the service name in
 * `spiffe://<trustDomain>/svc/<name>`, or undefined for another trust
 * domain, another path shape or an invalid name. Authorization compares
 * this name with the callers allowed by the RPC's policy.
 */
export function serviceNameFromSpiffeId(id: string, trustDomain: string): string | undefined {
  const prefix = spiffeIdForService(trustDomain, "");
  if (!id.startsWith(prefix)) return undefined;
  const name = id.slice(prefix.length);
  return serviceNamePattern.test(name) ? name : undefined;
}
