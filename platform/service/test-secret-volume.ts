import { mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { TlsFiles, TlsMaterial } from "./resolve-tls.js";

/** TestSecretVolume is a directory laid out as the kubelet mounts a TLS Secret. */
export interface TestSecretVolume {
  /** `tls.crt`, `tls.key` and `ca.crt` in the volume, as TLS_*_PATH name them. */
  readonly files: TlsFiles;
  /** write replaces all three files at once, as a renewal does. */
  write(material: TlsMaterial): Promise<void>;
}

const names = { cert: "tls.crt", key: "tls.key", ca: "ca.crt" } as const;

/**
 * createTestSecretVolume lays out `dir` as the kubelet's AtomicWriter does
 * (kubernetes pkg/volume/util/atomic_writer.go): each file is a symlink
 * into `..data`, itself a symlink to a timestamped directory. An update
 * writes a new directory and renames a new `..data` link over the old one,
 * so a reader sees one set or the other, but a reader opening the three
 * files one by one may straddle the swap. Tests of certificate reloading
 * use it to replay a cert-manager renewal.
 */
export async function createTestSecretVolume(
  dir: string,
  material: TlsMaterial,
): Promise<TestSecretVolume> {
  let version = await writeVersion(dir, material);
  await symlink(basename(version), join(dir, "..data"));
  for (const name of Object.values(names)) await symlink(join("..data", name), join(dir, name));
  return {
    files: {
      certPath: join(dir, names.cert),
      keyPath: join(dir, names.key),
      caPath: join(dir, names.ca),
    },
    async write(next) {
      const previous = version;
      version = await writeVersion(dir, next);
      await symlink(basename(version), join(dir, "..data_tmp"));
      await rename(join(dir, "..data_tmp"), join(dir, "..data"));
      await rm(previous, { recursive: true, force: true });
    },
  };
}

async function writeVersion(dir: string, material: TlsMaterial): Promise<string> {
  const version = await mkdtemp(join(dir, `..${new Date().toISOString().replace(/:/g, "_")}.`));
  await writeFile(join(version, names.cert), material.cert);
  await writeFile(join(version, names.key), material.key, { mode: 0o600 });
  await writeFile(join(version, names.ca), material.ca);
  return version;
}
