import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docCommand, docFile, replaceArg } from "./doc-snippets.js";
import { createScratchDir, type ScratchDir } from "./scratch-dir.js";
import { typecheck } from "./typecheck.js";

/*
 * A public client's view, following docs/clients.md as written: types from
 * gen/openapi.json with openapi-typescript, calls with openapi-fetch through
 * the doc's api-client.ts. The calls go to a stand-in that answers the way
 * the document says the gateway does, and records what the client sent.
 */

interface ApiClientModule {
  createApiClient(baseUrl: string, token: string): unknown;
  registerUser(api: unknown, email: string, displayName: string): Promise<Record<string, unknown>>;
  getUser(api: unknown, userId: string): Promise<Record<string, unknown>>;
}

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const run = promisify(execFile);
const USER = {
  user_id: "0190f5a8-0000-7000-8000-000000000001",
  email: "ada@example.com",
  display_name: "Ada",
  create_time: "2026-01-01T00:00:00Z",
  update_time: "2026-01-01T00:00:00Z",
  version: "1",
};
let scratch: ScratchDir;
let server: Server;
let baseUrl: string;
const received: Received[] = [];
let nextStatus = 200;

function startStandIn(): Promise<Server> {
  const standIn = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const reply =
        nextStatus === 200
          ? USER
          : {
              error: {
                code: "ALREADY_EXISTS",
                message: "email is taken",
                details: [],
                request_id: "r-1",
              },
            };
      res.writeHead(nextStatus, { "content-type": "application/json" }).end(JSON.stringify(reply));
    });
  });
  return new Promise((resolve) => standIn.listen(0, "127.0.0.1", () => resolve(standIn)));
}

beforeAll(async () => {
  scratch = createScratchDir("openapi-client");
  // The doc's command, reading our document and writing into the scratch folder.
  const words = replaceArg(
    docCommand("npx openapi-typescript "),
    "-o",
    join(scratch.path, "protoplane-api.d.ts"),
  );
  words[2] = "gen/openapi.json";
  await run("node_modules/.bin/openapi-typescript", words.slice(2), { timeout: 60_000 });
  writeFileSync(join(scratch.path, "api-client.ts"), docFile("api-client.ts"));
  server = await startStandIn();
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  scratch?.remove();
});

async function apiClient(): Promise<ApiClientModule> {
  return (await import(pathToFileURL(join(scratch.path, "api-client.ts")).href)) as ApiClientModule;
}

describe("a public client generated from /openapi.json", () => {
  it("has typed paths for the user operations", () => {
    const types = readFileSync(join(scratch.path, "protoplane-api.d.ts"), "utf8");
    expect(types).toContain('"/v1/users/{user_id}": {');
    expect(types).toContain('"Idempotency-Key"?: components["parameters"]["IdempotencyKey"]');
  });

  it("type-checks the doc's api-client.ts against the generated types", () => {
    expect(typecheck([join(scratch.path, "api-client.ts")])).toEqual([]);
  }, 60_000);

  it("sends snake_case JSON, the token and a fresh Idempotency-Key", async () => {
    const { createApiClient, registerUser, getUser } = await apiClient();
    const api = createApiClient(baseUrl, "token-1");
    nextStatus = 200;
    received.length = 0;
    expect(await registerUser(api, "ada@example.com", "Ada")).toEqual(USER);
    await registerUser(api, "ada@example.com", "Ada");
    expect(await getUser(api, USER.user_id)).toEqual(USER);

    const [first, second, read] = received;
    expect(first).toMatchObject({ method: "POST", url: "/v1/users" });
    expect(JSON.parse(first!.body)).toEqual({ email: "ada@example.com", display_name: "Ada" });
    expect(first!.headers.authorization).toBe("Bearer token-1");
    expect(first!.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(second!.headers["idempotency-key"]).not.toBe(first!.headers["idempotency-key"]);
    expect(read).toMatchObject({ method: "GET", url: `/v1/users/${USER.user_id}` });
  });

  it("turns the error envelope into an error naming status and code", async () => {
    const { createApiClient, registerUser } = await apiClient();
    nextStatus = 409;
    const attempt = registerUser(createApiClient(baseUrl, "t"), "ada@example.com", "Ada");
    await expect(attempt).rejects.toThrow("409 ALREADY_EXISTS: email is taken");
  });
});
