import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../bench/net-util.js";

/** natsServerBinary is where the machine's nats-server is installed (Debian's package). */
export const natsServerBinary = process.env["NATS_SERVER_BIN"] ?? "/usr/sbin/nats-server";

/** hasNatsServer tells whether tests can start a {@link startPrivateNats} server. */
export const hasNatsServer = existsSync(natsServerBinary);

/**
 * PrivateNats is a JetStream server of one test file's own: the file may stop
 * and restart it without disturbing the shared server other tests use.
 */
export interface PrivateNats {
  readonly url: string;
  readonly port: number;
  /** The JetStream store directory, kept across stop/start. */
  readonly storeDir: string;
  /** Stops the server (SIGTERM, as an orchestrator would) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store directory, so streams and consumers survive. */
  start(): Promise<void>;
  /** Stops it if running and deletes the store directory. */
  dispose(): Promise<void>;
}

/**
 * startPrivateNats starts `nats-server -js` on a free port of 127.0.0.1 with
 * its own store directory, and resolves once it accepts clients.
 */
export async function startPrivateNats(): Promise<PrivateNats> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), "pp-nats-"));
  let child: ChildProcess | undefined;
  const start = async () => {
    if (child) return;
    child = await launch(port, storeDir);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (running) await terminate(running);
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    start,
    stop,
    async dispose() {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

// A watchdog shell runs the server and stops it when this process is gone,
// even killed without a chance to clean up, so no server outlives a test
// run. SIGTERM to the shell is passed on to the server, which shuts down
// cleanly (JetStream flushes its store).
const watchdog = `
"$@" & server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server; exit 0' TERM INT
while kill -0 ${process.pid} 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 0.2; done
kill -TERM $server 2>/dev/null; wait $server`;

// The server logs "Server is ready" once its client port listens; before
// that a connect would be refused. A restart can find the port briefly held
// by the previous process's socket, so a failed start is retried.
async function launch(port: number, storeDir: string): Promise<ChildProcess> {
  for (let attempt = 1; ; attempt++) {
    const args = ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir];
    const child = spawn("sh", ["-c", watchdog, "nats-watchdog", natsServerBinary, ...args], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    try {
      await whenReady(child);
      return child;
    } catch (err) {
      child.kill("SIGTERM");
      if (attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

function whenReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`nats-server not ready:\n${log}`)), 10_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("Server is ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}:\n${log}`));
    });
  });
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
