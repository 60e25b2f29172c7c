import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIdentity, type TestIdentity } from "../support/start-test-identity.js";

const run = promisify(execFile);
let identity: TestIdentity;
beforeAll(async () => {
  identity = await startTestIdentity();
});
afterAll(() => identity.stop());

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
        w
          .replaceAll(".certs/", `${identity.certsDir}/`)
          .replace(":50051/", `:${identity.service.rpcPort}/`),
      );
    const { stdout } = await run("node_modules/.bin/buf", args, { timeout: 30_000 });
    expect(JSON.parse(stdout)).toBeTypeOf("object");
  });
});
