import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDevCa, ensureServiceCert, type ServiceCert } from "../platform/pki/index.js";
import { onCleanup } from "./children.js";

/** BenchPki is a throwaway CA and the two identities the benchmark needs. */
export interface BenchPki {
  readonly dir: string;
  /** The callee: every benchmark server serves with identity's certificate. */
  readonly server: ServiceCert;
  /** The caller: `orders` is allowed by GetUser's proto policy. */
  readonly client: ServiceCert;
  /** `billing` is not allowed by GetUser's policy: the platform must refuse it. */
  readonly stranger: ServiceCert;
  /** orders' certificate and key in one PEM file, the form haproxy's `crt` takes. */
  readonly clientPemFile: string;
}

/**
 * createBenchPki issues certificates from a fresh dev CA (the platform's
 * own `platform/pki`) in a temp directory that is removed at exit.
 */
export async function createBenchPki(): Promise<BenchPki> {
  const dir = mkdtempSync(join(tmpdir(), "pp-bench-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  await ensureDevCa(dir);
  const server = await ensureServiceCert(dir, { service: "identity" });
  const client = await ensureServiceCert(dir, { service: "orders" });
  const stranger = await ensureServiceCert(dir, { service: "billing" });
  const clientPemFile = join(dir, "orders.combined.pem");
  writeFileSync(clientPemFile, `${client.cert.trim()}\n${client.key.trim()}\n`, { mode: 0o600 });
  return { dir, server, client, stranger, clientPemFile };
}
