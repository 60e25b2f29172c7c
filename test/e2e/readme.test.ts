import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureServiceCert } from "../../platform/pki/index.js";
import { type RunningService, startService } from "../../platform/service/index.js";
import { identityService } from "../../services/identity/identity-service.js";

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), "pp-readme-"));
const certsDir = join(scratch, "certs");
let service: RunningService;

beforeAll(async () => {
  service = await startService(identityService, {
    RPC_PORT: "0",
    ADMIN_PORT: "0",
    CERTS_DIR: certsDir,
    DATA_DIR: join(scratch, "data"),
    LOG_LEVEL: "silent",
  });
  await ensureServiceCert(certsDir, { service: "gateway" });
});
afterAll(() => service.stop());

/** The README's `npx buf curl` commands, continuation lines joined. */
function readmeCurlCommands(): string[] {
  const text = readFileSync("README.md", "utf8").replace(/\\\n\s*/g, "");
  return text.split("\n").filter((line) => line.trim().startsWith("npx buf curl"));
}

// Split a shell line into words, honouring single quotes (all the README uses).
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe("README", () => {
  const commands = readmeCurlCommands();

  it("shows buf curl commands", () => {
    expect(commands.length).toBeGreaterThanOrEqual(2);
  });

  it.each(commands)("works as written: %s", async (command) => {
    const args = words(command)
      .slice(2) // "npx buf"
      .map((w) =>
        w.replaceAll(".certs/", `${certsDir}/`).replace(":50051/", `:${service.rpcPort}/`),
      );
    const { stdout } = await run("node_modules/.bin/buf", args, { timeout: 30_000 });
    expect(JSON.parse(stdout)).toBeTypeOf("object");
  });
});
