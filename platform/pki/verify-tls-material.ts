import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";

/** PemMaterial is a certificate (chain), its private key and the trusted CA bundle. */
export interface PemMaterial {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

const pemCertificate = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * verifyTlsMaterial checks that `material` can be served in place of what a
 * process already serves: the key is the certificate's, the certificate is
 * valid at `now`, it chains to a CA of the bundle (through intermediates
 * that follow it in `cert`, as cert-manager writes `tls.crt`), and OpenSSL
 * loads it. It returns the leaf certificate, or throws an Error saying what
 * is wrong; no message quotes the key.
 */
export function verifyTlsMaterial(material: PemMaterial, now = Date.now()): X509Certificate {
  const [leaf, ...intermediates] = parseCertificates(material.cert, "certificate");
  const anchors = parseCertificates(material.ca, "CA bundle");
  if (!leaf!.checkPrivateKey(parseKey(material.key))) {
    throw new Error("the key does not match the certificate");
  }
  checkValidAt(leaf!, now);
  if (!chainsTo(leaf!, intermediates, anchors)) {
    throw new Error("the certificate does not chain to the CA bundle");
  }
  try {
    createSecureContext({ cert: material.cert, key: material.key, ca: material.ca });
  } catch {
    throw new Error("OpenSSL refuses the certificate, key or CA bundle");
  }
  return leaf!;
}

/** parseCertificates reads every certificate of a PEM bundle (X509Certificate reads only the first). */
function parseCertificates(pem: string, what: string): [X509Certificate, ...X509Certificate[]] {
  const blocks = pem.match(pemCertificate) ?? [];
  if (blocks.length === 0) throw new Error(`the ${what} holds no PEM certificate`);
  try {
    return blocks.map((block) => new X509Certificate(block)) as [X509Certificate];
  } catch {
    throw new Error(`the ${what} is not a readable certificate`);
  }
}

function parseKey(pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    // OpenSSL's reason is dropped: it could echo part of the input.
    throw new Error("the key is not a readable private key");
  }
}

function checkValidAt(cert: X509Certificate, now: number): void {
  // validFrom/validTo are OpenSSL's "Nov 21 10:00:00 2035 GMT", which Date
  // parses (as cert-validity.ts does); Node 20 has no Date getters for them.
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  if (!(notBefore <= now)) throw new Error(`the certificate is not valid before ${cert.validFrom}`);
  if (!(now < notAfter)) throw new Error(`the certificate expired ${cert.validTo}`);
}

/** chainsTo walks issuer links from `cert` through `intermediates` to one of `anchors`. */
function chainsTo(
  cert: X509Certificate,
  intermediates: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
): boolean {
  let current = cert;
  // Each step uses up at most one intermediate, so this also ends on loops.
  for (let step = 0; step <= intermediates.length; step++) {
    if (anchors.some((ca) => issuedBy(current, ca))) return true;
    const next = intermediates.find((c) => c !== current && issuedBy(current, c));
    if (next === undefined) return false;
    current = next;
  }
  return false;
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}
