import { createPrivateKey, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { join } from "node:path";
import { expiresSoon, validityPeriod } from "./cert-validity.js";
import { type DevCa, ensureDevCa } from "./dev-ca.js";
import { withFileLock } from "./file-lock.js";
import { serviceNamePattern, spiffeIdForService, spiffeIdFromCert } from "./peer-identity.js";
import {
  type CryptoKey,
  certToPem,
  generateKeyPair,
  privateKeyFromPem,
  privateKeyToPem,
  signingAlgorithm,
  x509,
} from "./pki-crypto.js";
import { readTextIfExists, writeSecretFile } from "./private-files.js";

/** ServiceCertOptions name the service and where it is reachable. */
export interface ServiceCertOptions {
  /** Service name, e.g. `orders`; becomes `spiffe://<trustDomain>/svc/orders`. */
  readonly service: string;
  /** SPIFFE trust domain; default `protoplane.local`. */
  readonly trustDomain?: string;
  /** DNS names and IP addresses the service answers on; default localhost, 127.0.0.1, ::1. */
  readonly hosts?: readonly string[];
}

/** ServiceCert is what a service needs to serve and call over mTLS. */
export interface ServiceCert {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  /** Service certificate, PEM. */
  readonly cert: string;
  /** Service private key, PKCS#8 PEM. */
  readonly key: string;
  /** CA certificate, PEM: trust only this for peers. */
  readonly ca: string;
  readonly spiffeId: string;
}

interface CertSpec {
  readonly service: string;
  readonly spiffeId: string;
  readonly hosts: readonly string[];
}

const serviceValidityDays = 90;

/**
 * ensureServiceCert returns the certificate of `service` in `dir`
 * (`<service>.crt`, `<service>.key`), signed by the dev CA of the same
 * directory. It is issued on first use and reissued when it expires within
 * 7 days, was signed by another CA, does not match its key, or lacks the
 * requested SPIFFE ID or hosts. The certificate is valid for both server and
 * client authentication, so one file pair serves and calls.
 */
export async function ensureServiceCert(
  dir: string,
  options: ServiceCertOptions,
): Promise<ServiceCert> {
  const spec = certSpec(options);
  const ca = await ensureDevCa(dir);
  const files = {
    certFile: join(dir, `${spec.service}.crt`),
    keyFile: join(dir, `${spec.service}.key`),
  };
  const pair = await withFileLock(join(dir, `${spec.service}.lock`), async () => {
    const existing = await readPair(files);
    if (existing && isUsable(existing, ca, spec)) return existing;
    return issue(files, ca, spec);
  });
  return { ...files, caFile: ca.certFile, ...pair, ca: ca.cert, spiffeId: spec.spiffeId };
}

function certSpec(options: ServiceCertOptions): CertSpec {
  const { service, trustDomain = "protoplane.local" } = options;
  if (!serviceNamePattern.test(service))
    throw new Error(`invalid service name ${JSON.stringify(service)}`);
  if (!/^[a-z0-9._-]+$/.test(trustDomain))
    throw new Error(`invalid trust domain ${JSON.stringify(trustDomain)}`);
  const hosts = options.hosts ?? ["localhost", "127.0.0.1", "::1"];
  return { service, spiffeId: spiffeIdForService(trustDomain, service), hosts };
}

type Files = { readonly certFile: string; readonly keyFile: string };
type Pair = { readonly cert: string; readonly key: string };

async function readPair(files: Files): Promise<Pair | undefined> {
  const cert = await readTextIfExists(files.certFile);
  const key = await readTextIfExists(files.keyFile);
  return cert === undefined || key === undefined ? undefined : { cert, key };
}

function isUsable(pair: Pair, ca: DevCa, spec: CertSpec): boolean {
  try {
    const cert = new X509Certificate(pair.cert);
    const caCert = new X509Certificate(ca.cert);
    return (
      cert.checkIssued(caCert) &&
      cert.verify(caCert.publicKey) &&
      cert.checkPrivateKey(createPrivateKey(pair.key)) &&
      !expiresSoon(cert) &&
      spiffeIdFromCert(cert) === spec.spiffeId &&
      spec.hosts.every(
        (host) => (isIP(host) ? cert.checkIP(host) : cert.checkHost(host)) !== undefined,
      )
    );
  } catch {
    return false; // corrupt files are reissued
  }
}

async function issue(files: Files, ca: DevCa, spec: CertSpec): Promise<Pair> {
  const caCert = new x509.X509Certificate(ca.cert);
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${spec.service}, O=protoplane`,
    issuer: caCert.subject,
    ...validityPeriod(serviceValidityDays),
    signingAlgorithm,
    publicKey: keys.publicKey,
    signingKey: await privateKeyFromPem(ca.key),
    extensions: await serviceExtensions(spec, keys.publicKey, caCert),
  });
  const pair = { cert: certToPem(cert), key: await privateKeyToPem(keys.privateKey) };
  await writeSecretFile(files.keyFile, pair.key);
  await writeSecretFile(files.certFile, pair.cert);
  return pair;
}

// Extensions of an X.509-SVID leaf (SPIFFE X509-SVID §4): not a CA,
// digitalSignature only, exactly one URI SAN; plus DNS/IP SANs so ordinary
// TLS clients can verify the server by host name.
async function serviceExtensions(
  spec: CertSpec,
  publicKey: CryptoKey,
  caCert: x509.X509Certificate,
) {
  const hostNames = spec.hosts.map((host) => ({
    type: isIP(host) ? ("ip" as const) : ("dns" as const),
    value: host,
  }));
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([
      x509.ExtendedKeyUsage.serverAuth,
      x509.ExtendedKeyUsage.clientAuth,
    ]),
    new x509.SubjectAlternativeNameExtension([{ type: "url", value: spec.spiffeId }, ...hostNames]),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
}
