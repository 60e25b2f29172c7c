import { readFile } from "node:fs/promises";
import type { PlatformConfig } from "../config/index.js";
import { ensureDevCa, ensureServiceCert } from "../pki/index.js";

/**
 * TlsMaterial is a service's certificate, key and trusted CA, PEM. When the
 * process reloads mounted files (tls-reloader.ts) the material it hands out
 * is live: each field reads the latest valid file, so read it when
 * connecting rather than copying it at startup.
 */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** TlsSettings are the config keys resolveTls reads, so any process's config fits. */
export type TlsSettings = Pick<
  PlatformConfig,
  "certsDir" | "trustDomain" | "tlsCertPath" | "tlsKeyPath" | "tlsCaPath"
>;

/** TlsFiles are the mounted certificate, key and CA files (TLS_*_PATH). */
export interface TlsFiles {
  readonly certPath: string;
  readonly keyPath: string;
  readonly caPath: string;
}

/**
 * tlsFilesOf returns the mounted files when TLS_*_PATH are set, undefined
 * when none is (dev PKI), and throws when only some are.
 */
export function tlsFilesOf(
  config: Omit<TlsSettings, "certsDir" | "trustDomain">,
): TlsFiles | undefined {
  const { tlsCertPath, tlsKeyPath, tlsCaPath } = config;
  if (tlsCertPath && tlsKeyPath && tlsCaPath) {
    return { certPath: tlsCertPath, keyPath: tlsKeyPath, caPath: tlsCaPath };
  }
  if (tlsCertPath || tlsKeyPath || tlsCaPath) {
    throw new Error("TLS_CERT_PATH, TLS_KEY_PATH and TLS_CA_PATH must be set together");
  }
  return undefined;
}

/** readTlsFiles reads the three mounted files as they are now. */
export async function readTlsFiles(files: TlsFiles): Promise<TlsMaterial> {
  const [cert, key, ca] = await Promise.all(
    [files.certPath, files.keyPath, files.caPath].map((p) => readFile(p, "utf8")),
  );
  return { cert: cert!, key: key!, ca: ca! };
}

/**
 * resolveTls loads the mounted certificate files when TLS_*_PATH are set
 * (cert-manager in Kubernetes), and otherwise makes sure the dev CA and this
 * service's certificate exist under CERTS_DIR: mTLS is on in development too.
 */
export async function resolveTls(service: string, config: TlsSettings): Promise<TlsMaterial> {
  const files = tlsFilesOf(config);
  if (files) return readTlsFiles(files);
  await ensureDevCa(config.certsDir);
  // The service's own name is a host too: in compose, peers dial https://identity:50051.
  const issued = await ensureServiceCert(config.certsDir, {
    service,
    trustDomain: config.trustDomain,
    hosts: ["localhost", "127.0.0.1", "::1", service],
  });
  return { cert: issued.cert, key: issued.key, ca: issued.ca };
}
