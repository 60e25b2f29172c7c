import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OrdersPlatform, startOrdersPlatform } from "../support/start-orders-platform.js";
import { type PlatformGateway, startPlatformGateway } from "../support/start-platform-gateway.js";

/*
 * The README's shell blocks, run as written with sh against identity,
 * orders and the gateway, as `npm start` runs them; only the ports, the
 * certificate directory and the sign-up email are this test's own.
 */

const run = promisify(execFile);
let platform: OrdersPlatform;
let gateway: PlatformGateway;

beforeAll(async () => {
  platform = await startOrdersPlatform();
  gateway = await startPlatformGateway(platform);
});
afterAll(async () => {
  await gateway?.stop();
  await platform?.stop();
});

/** The first ```sh block after the README heading `## <heading>`. */
function shellBlock(heading: string): string {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.slice(readme.indexOf(`\n## ${heading}\n`));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error(`no sh block under "## ${heading}"`);
  return block;
}

let signUps = 0;

// Each curl answer on a line of its own, so the test can read them apart.
const CURL_NEWLINE = "curl() { command curl -w '\\n' \"$@\"; }\n";

/** Runs README blocks in one sh (variables carry over), here instead of on the default ports. */
async function runAsWritten(...blocks: string[]): Promise<{ stdout: string; email: string }> {
  const email = `grace-${++signUps}@example.com`;
  const script = blocks
    .join("\n")
    .replaceAll("localhost:8080", `127.0.0.1:${gateway.gateway.port}`)
    .replaceAll(".certs/", `${platform.certsDir}/`)
    .replaceAll(":50051/", `:${platform.identity.rpcPort}/`)
    .replaceAll("npx buf ", `${resolve("node_modules/.bin/buf")} `)
    .replaceAll("grace@example.com", email);
  const { stdout } = await run("sh", ["-ec", CURL_NEWLINE + script], { timeout: 60_000 });
  return { stdout, email };
}

describe("README", () => {
  const gatewayBlock = shellBlock("The REST gateway");
  const serviceBlock = shellBlock("Calling a service");

  it("shows calls with a bearer token, through the gateway and with buf curl", () => {
    expect(gatewayBlock).toContain("/v1/auth/register");
    expect(gatewayBlock).toContain('-H "Authorization: Bearer $TOKEN"');
    expect(serviceBlock.match(/npx buf curl/g)?.length).toBeGreaterThanOrEqual(2);
    expect(serviceBlock).toContain('-H "Authorization: Bearer $TOKEN"');
  });

  it("signs up, then reads the user and places and lists an order with the token", async () => {
    const { stdout, email } = await runAsWritten(gatewayBlock);
    const [answer, user, order, orders, ...rest] = stdout
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line));
    expect(rest).toEqual([]);
    expect(answer.tokens).toMatchObject({ token_type: "Bearer", access_token: expect.any(String) });
    expect(user).toMatchObject({ user_id: answer.user.user_id, email });
    expect(order).toMatchObject({ user_id: user.user_id, status: "ORDER_STATUS_PENDING" });
    expect(orders.data).toEqual([order]);
  });

  it("calls identity with buf curl: the key set without a token, the user with it", async () => {
    const { stdout, email } = await runAsWritten(gatewayBlock, serviceBlock);
    expect(stdout).toMatch(/"keys":\s*\[/);
    expect(stdout).toMatch(new RegExp(`"email":\\s*"${email}"`));
  });
});
