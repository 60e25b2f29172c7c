import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

// @peculiar/x509 needs a WebCrypto implementation; Node's is standard and
// avoids a second crypto library. Set once, when the module loads.
x509.cryptoProvider.set(webcrypto);

// The project compiles without the DOM lib, so WebCrypto types come from Node.
/** CryptoKey is a WebCrypto key (Node's implementation). */
export type CryptoKey = webcrypto.CryptoKey;
/** CryptoKeyPair is a WebCrypto key pair (Node's implementation). */
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** keyAlgorithm is ECDSA P-256: small keys, fast handshakes, universally supported. */
export const keyAlgorithm = { name: "ECDSA", namedCurve: "P-256" } as const;

/** signingAlgorithm is ECDSA with SHA-256, the usual pairing for P-256. */
export const signingAlgorithm = { name: "ECDSA", hash: "SHA-256" } as const;

/** generateKeyPair creates an exportable P-256 key pair. */
export function generateKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(keyAlgorithm, true, ["sign", "verify"]);
}

/** privateKeyToPem exports a private key as PKCS#8 PEM (`BEGIN PRIVATE KEY`). */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return `${x509.PemConverter.encode(der, "PRIVATE KEY")}\n`;
}

/** privateKeyFromPem imports a PKCS#8 PEM P-256 key for signing certificates. */
export function privateKeyFromPem(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return webcrypto.subtle.importKey("pkcs8", der, keyAlgorithm, false, ["sign"]);
}

/** certToPem renders a certificate as PEM with a trailing newline, like openssl. */
export function certToPem(cert: x509.X509Certificate): string {
  return `${cert.toString("pem")}\n`;
}

export { x509 };
