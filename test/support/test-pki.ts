import { X509Certificate } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDevCa, ensureServiceCert, type ServiceCert } from "../../platform/pki/index.js";
import type { TlsMaterial } from "../../platform/service/resolve-tls.js";

/** TestPki issues certificates from a throwaway CA in a temp directory. */
export interface TestPki {
  readonly dir: string;
  cert(service: string): Promise<ServiceCert>;
  /**
   * issue returns a newly issued certificate for `service` (new key, new
   * serial), as a renewal would; `cert` keeps returning the first one.
   */
  issue(service: string): Promise<TlsMaterial>;
}

/** createTestPki makes a fresh CA for one test file. */
export async function createTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), "pp-pki-"));
  await ensureDevCa(dir);
  const cache = new Map<string, Promise<ServiceCert>>();
  return {
    dir,
    cert(service) {
      let cert = cache.get(service);
      if (cert === undefined) {
        cert = ensureServiceCert(dir, { service });
        cache.set(service, cert);
      }
      return cert;
    },
    async issue(service) {
      // ensureServiceCert reuses a valid certificate on disk: remove it first.
      await rm(join(dir, `${service}.crt`), { force: true });
      const { cert, key, ca } = await ensureServiceCert(dir, { service });
      return { cert, key, ca };
    },
  };
}

/** serialOf is a certificate's serial number, as a TLS peer reports it. */
export const serialOf = (material: TlsMaterial) => new X509Certificate(material.cert).serialNumber;
