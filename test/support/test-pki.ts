import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDevCa, ensureServiceCert, type ServiceCert } from "../../platform/pki/index.js";

/** TestPki issues certificates from a throwaway CA in a temp directory. */
export interface TestPki {
  readonly dir: string;
  cert(service: string): Promise<ServiceCert>;
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
  };
}
