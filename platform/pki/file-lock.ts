import { type FileHandle, open, rm, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** FileLockOptions tune {@link withFileLock}; defaults suit certificate generation. */
export interface FileLockOptions {
  /** A lock older than this is assumed left by a crashed process. */
  readonly staleMs?: number;
  /** Give up waiting after this long. */
  readonly timeoutMs?: number;
}

/**
 * withFileLock runs `fn` while holding an exclusive lock file, so services
 * started together (`npm start`, or `Promise.all` in one process) do not
 * each create their own CA and overwrite each other's files.
 * The lock is a file created with O_EXCL; holders keep it for milliseconds,
 * so a lock older than `staleMs` is removed. Two waiters could both remove
 * the same stale lock and race once more; acceptable for a dev-only PKI.
 */
export async function withFileLock<T>(
  lockFile: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const handle = await acquire(lockFile, options.staleMs ?? 10_000, options.timeoutMs ?? 30_000);
  try {
    return await fn();
  } finally {
    await handle.close();
    await rm(lockFile, { force: true });
  }
}

async function acquire(lockFile: string, staleMs: number, timeoutMs: number): Promise<FileHandle> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await open(lockFile, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (await isStale(lockFile, staleMs)) {
      await rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lockFile}`);
    await sleep(20);
  }
}

async function isStale(lockFile: string, staleMs: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(lockFile)).mtimeMs > staleMs;
  } catch {
    return false; // released meanwhile: just retry
  }
}
