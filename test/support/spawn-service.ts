import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** SpawnedService is a service running as its own process, as in production. */
export interface SpawnedService {
  readonly child: ChildProcess;
  readonly rpcPort: number;
  readonly adminPort: number;
  readonly certsDir: string;
  /** Every stdout line so far (JSON logs). */
  readonly lines: string[];
  /** Resolves with the exit code once the process exits. */
  readonly exited: Promise<number | null>;
}

/**
 * spawnService starts `services/<name>/main.ts` with free ports, its own
 * temp data and certs dirs (unless given), and resolves once it logs
 * "service started".
 */
export function spawnService(
  name: string,
  env: Record<string, string> = {},
): Promise<SpawnedService> {
  const scratch = mkdtempSync(join(tmpdir(), `pp-${name}-`));
  const certsDir = env.CERTS_DIR ?? join(scratch, "certs");
  const child = spawn(process.execPath, ["--import", "tsx", join("services", name, "main.ts")], {
    env: {
      ...process.env,
      RPC_PORT: "0",
      ADMIN_PORT: "0",
      DATA_DIR: join(scratch, "data"),
      CERTS_DIR: certsDir,
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let stderr = "";
  child.stderr!.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      lines.push(line);
      if (!line.includes('"service started"')) return;
      const { rpc_port, admin_port } = JSON.parse(line) as { rpc_port: number; admin_port: number };
      resolve({ child, rpcPort: rpc_port, adminPort: admin_port, certsDir, lines, exited });
    });
    void exited.then((code) =>
      reject(new Error(`${name} exited with ${code} before starting:\n${stderr}`)),
    );
  });
}
