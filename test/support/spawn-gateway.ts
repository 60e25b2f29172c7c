import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { gatewayDataDir } from "./gateway-database.js";

/** SpawnedGateway is gateway/main.ts running as its own process, as in production. */
export interface SpawnedGateway {
  readonly child: ChildProcess;
  /** The public REST/JSON port. */
  readonly port: number;
  readonly adminPort: number;
  /** Every stdout line so far (JSON logs). */
  readonly lines: string[];
  /** Resolves with the exit code once the process exits. */
  readonly exited: Promise<number | null>;
}

/**
 * spawnGateway runs `gateway/main.ts` on free ports and resolves once it
 * logs "gateway started"; it rejects with stderr if the process exits first.
 * Unless `env` names a database, the gateway gets its own temporary
 * DATA_DIR, removed when it exits.
 */
export function spawnGateway(env: Record<string, string>): Promise<SpawnedGateway> {
  const dataDir = env.DATABASE_URL || env.DATA_DIR ? undefined : gatewayDataDir();
  const child = spawn(process.execPath, ["--import", "tsx", "gateway/main.ts"], {
    env: {
      ...process.env,
      PORT: "0",
      ADMIN_PORT: "0",
      LOG_LEVEL: "info",
      ...(dataDir ? { DATA_DIR: dataDir } : {}),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (dataDir) child.once("exit", () => rmSync(dataDir, { recursive: true, force: true }));
  const lines: string[] = [];
  let stderr = "";
  child.stderr!.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      lines.push(line);
      if (!line.includes('"gateway started"')) return;
      const { port, admin_port } = JSON.parse(line) as { port: number; admin_port: number };
      resolve({ child, port, adminPort: admin_port, lines, exited });
    });
    void exited.then((code) => reject(Object.assign(new Error(stderr), { code })));
  });
}

/** jsonLines parses the JSON log lines among a process's stdout lines. */
export function jsonLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}
