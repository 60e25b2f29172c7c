import { setInterval } from "node:timers/promises";
import type { Logger } from "pino";
import { sameTls } from "../client/http2-session-pool.js";
import { verifyTlsMaterial } from "../pki/verify-tls-material.js";
import {
  readTlsFiles,
  type TlsFiles,
  type TlsMaterial,
  type TlsSettings,
  tlsFilesOf,
} from "./resolve-tls.js";

/** TlsReloaderOptions say which files to poll, how often, and where to log. */
export interface TlsReloaderOptions {
  readonly files: TlsFiles;
  readonly intervalMs: number;
  readonly logger: Logger;
}

/** TlsReloader keeps a process's TLS material in step with its mounted files. */
export interface TlsReloader {
  /**
   * tls is live: its fields read the latest valid material. Client session
   * pools read it for each new session, so upstream connections pick up a
   * renewed certificate with no listener.
   */
  readonly tls: TlsMaterial;
  /** onReload calls `listener` with each newly applied material (the RPC server's setTls). */
  onReload(listener: (tls: TlsMaterial) => void): void;
  /** stop ends the polling; the material in use stays. */
  stop(): Promise<void>;
}

/**
 * startTlsReloader re-reads the mounted certificate, key and CA every
 * `intervalMs` and applies them when their content changed and they pass
 * {@link verifyTlsMaterial}. Files that fail (a half-swapped set, a key
 * from another certificate, an expired certificate) are logged at warn and
 * the current material stays until a later tick reads a good set.
 *
 * It polls and compares content on purpose: the kubelet updates a mounted
 * Secret by pointing a `..data` symlink at a new directory, and fs.watch
 * (inotify) follows the inodes it started on, so it misses those swaps
 * (the same trap in Istio: https://github.com/istio/istio/issues/38366).
 * Modification times do not help either; reading three small files a
 * minute costs nothing.
 */
export function startTlsReloader(initial: TlsMaterial, options: TlsReloaderOptions): TlsReloader {
  let current = initial;
  let rejected: TlsMaterial | undefined;
  const listeners: ((tls: TlsMaterial) => void)[] = [];
  const tls: TlsMaterial = {
    get cert() {
      return current.cert;
    },
    get key() {
      return current.key;
    },
    get ca() {
      return current.ca;
    },
  };

  async function check(): Promise<void> {
    const next = await read(options);
    if (next === undefined || sameTls(next, current)) return;
    if (rejected && sameTls(next, rejected)) return; // warned already; a new swap will differ
    try {
      const leaf = verifyTlsMaterial(next);
      for (const listener of listeners) listener(next);
      current = next;
      rejected = undefined;
      options.logger.info(
        { serial_number: leaf.serialNumber, not_after: new Date(leaf.validTo).toISOString() },
        "tls certificate reloaded",
      );
    } catch (err) {
      rejected = next;
      options.logger.warn(
        { reason: (err as Error).message },
        "tls files rejected; serving the current certificate",
      );
    }
  }

  const abort = new AbortController();
  const polling = poll(options.intervalMs, abort.signal, check);
  return {
    tls,
    onReload: (listener) => listeners.push(listener),
    async stop() {
      abort.abort();
      await polling;
    },
  };
}

/**
 * reloadMountedTls starts a {@link startTlsReloader} when the material came
 * from TLS_*_PATH files, and returns undefined for the dev PKI, whose
 * certificates are renewed at startup instead.
 */
export function reloadMountedTls(
  initial: TlsMaterial,
  config: Omit<TlsSettings, "certsDir" | "trustDomain"> & { readonly tlsReloadIntervalMs: number },
  logger: Logger,
): TlsReloader | undefined {
  const files = tlsFilesOf(config);
  if (files === undefined) return undefined;
  return startTlsReloader(initial, { files, intervalMs: config.tlsReloadIntervalMs, logger });
}

async function read(options: TlsReloaderOptions): Promise<TlsMaterial | undefined> {
  try {
    return await readTlsFiles(options.files);
  } catch (err) {
    // A file missing for a moment mid-swap: the next tick reads the new set.
    options.logger.warn(
      { reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message },
      "tls files unreadable; serving the current certificate",
    );
    return undefined;
  }
}

// The timer is unref'd: polling alone never keeps the process alive.
async function poll(intervalMs: number, signal: AbortSignal, tick: () => Promise<void>) {
  try {
    for await (const _ of setInterval(intervalMs, undefined, { ref: false, signal })) await tick();
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}
