import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** SpawnedIdentity is identity running in its own process, as in production. */
export interface SpawnedIdentity {
  readonly rpcPort: number;
  stop(): Promise<void>;
}

const main = fileURLToPath(new URL("../../identity/main.ts", import.meta.url));

/**
 * spawnIdentity starts identity's `main.ts` in a child process (orders
 * never imports another service's code, and its own process keeps its work
 * off the benchmark's event loop) and resolves once it is ready. It gets no
 * NATS_URL: its order-count consumer must not add work to one side only.
 */
export async function spawnIdentity(env: Record<string, string>): Promise<SpawnedIdentity> {
  const [rpcPort, adminPort] = [await freePort(), await freePort()];
  const { NATS_URL, DATABASE_URL, ...inherited } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", main], {
    env: {
      ...inherited,
      LOG_LEVEL: "silent",
      ...env,
      RPC_PORT: `${rpcPort}`,
      ADMIN_PORT: `${adminPort}`,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await whenReady(adminPort, child, () => stderr);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    rpcPort,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

async function whenReady(adminPort: number, child: ChildProcess, stderr: () => string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`identity exited:\n${stderr()}`);
    const status = await fetch(`http://127.0.0.1:${adminPort}/health/ready`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`identity not ready after 60 s:\n${stderr()}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
