import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";

/**
 * ensurePrivateDir creates `dir` (and parents) readable only by the owner.
 * An existing directory is left as is: it may be a mount we do not own.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/**
 * writeSecretFile writes `data` to `path` with mode 0600, atomically: it
 * writes a temporary file and renames it over `path`, so a process starting
 * concurrently never reads half a key.
 */
export async function writeSecretFile(path: string, data: string): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, data, { mode: 0o600, flag: "wx" });
  await rename(temporary, path);
}

/** readTextIfExists reads a UTF-8 file, or returns undefined when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
