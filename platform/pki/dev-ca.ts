import { createPrivateKey, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { expiresSoon, validityPeriod } from "./cert-validity.js";
import { withFileLock } from "./file-lock.js";
import {
  certToPem,
  generateKeyPair,
  privateKeyToPem,
  signingAlgorithm,
  x509,
} from "./pki-crypto.js";
import { ensurePrivateDir, readTextIfExists, writeSecretFile } from "./private-files.js";

/** DevCa is the local development CA: file paths and PEM contents. */
export interface DevCa {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA certificate, PEM: the trust anchor every service loads. */
  readonly cert: string;
  /** CA private key, PKCS#8 PEM. */
  readonly key: string;
}

const caValidityDays = 3650;

/**
 * ensureDevCa returns the development CA in `dir` (`ca.crt`, `ca.key`),
 * creating it on first use. An existing CA is reused unless it is unreadable,
 * does not match its key, or is about to expire; a replaced CA makes
 * `ensureServiceCert` reissue every service certificate. Files are 0600 in a
 * 0700 directory. Production certificates come from cert-manager instead.
 */
export async function ensureDevCa(dir: string): Promise<DevCa> {
  await ensurePrivateDir(dir);
  const files = { certFile: join(dir, "ca.crt"), keyFile: join(dir, "ca.key") };
  return withFileLock(join(dir, "ca.lock"), async () => {
    return (await loadUsableCa(files)) ?? (await createCa(files));
  });
}

type CaFiles = Pick<DevCa, "certFile" | "keyFile">;

async function loadUsableCa(files: CaFiles): Promise<DevCa | undefined> {
  const cert = await readTextIfExists(files.certFile);
  const key = await readTextIfExists(files.keyFile);
  if (cert === undefined || key === undefined || !isUsableCa(cert, key)) return undefined;
  return { ...files, cert, key };
}

function isUsableCa(certPem: string, keyPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    return cert.ca && cert.checkPrivateKey(createPrivateKey(keyPem)) && !expiresSoon(cert);
  } catch {
    return false; // corrupt files are replaced, not fatal: this is a dev CA
  }
}

async function createCa(files: CaFiles): Promise<DevCa> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=protoplane dev CA, O=protoplane",
    ...validityPeriod(caValidityDays),
    signingAlgorithm,
    keys,
    extensions: [
      // pathLength 0: this CA signs service certificates, never other CAs.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const ca = { ...files, cert: certToPem(cert), key: await privateKeyToPem(keys.privateKey) };
  // Key first: a reader that finds a new certificate also finds its key.
  await writeSecretFile(ca.keyFile, ca.key);
  await writeSecretFile(ca.certFile, ca.cert);
  return ca;
}
