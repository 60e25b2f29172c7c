import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { withFileLock } from "./file-lock.js";

const dir = await mkdtemp(join(tmpdir(), "file-lock-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("withFileLock", () => {
  it("runs callers one at a time and returns their results", async () => {
    const lock = join(dir, "serial.lock");
    let running = 0;
    let maxRunning = 0;
    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        withFileLock(lock, async () => {
          maxRunning = Math.max(maxRunning, ++running);
          await sleep(15);
          running--;
          return n;
        }),
      ),
    );
    expect(results).toEqual([1, 2, 3]);
    expect(maxRunning).toBe(1);
  });

  it("releases the lock when the callback throws", async () => {
    const lock = join(dir, "throw.lock");
    await expect(withFileLock(lock, () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
    await expect(withFileLock(lock, async () => "next")).resolves.toBe("next");
  });

  it("takes over a lock left behind by a crashed process", async () => {
    const lock = join(dir, "stale.lock");
    await writeFile(lock, "");
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await expect(withFileLock(lock, async () => "ok", { timeoutMs: 500 })).resolves.toBe("ok");
  });

  it("gives up on a lock that stays held", async () => {
    const lock = join(dir, "held.lock");
    await writeFile(lock, "");
    await expect(withFileLock(lock, async () => "never", { timeoutMs: 100 })).rejects.toThrow(
      /timed out/,
    );
  });
});
