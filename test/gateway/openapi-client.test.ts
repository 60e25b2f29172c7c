/**
 * What a public client does with /openapi.json: generate TypeScript types
 * with openapi-typescript, type-check a typed openapi-fetch client against
 * them, and call the running gateway with it. Proves the document is
 * usable for client generation, not just valid, and that what the typed
 * client gets back matches the types (every response is also validated
 * against the document).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import openapiTS, { astToString } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../gateway/start-gateway.js";
import { createGatewayDatabase, type GatewayDatabase } from "../support/gateway-database.js";
import { createOpenApiValidator, type OpenApiDocument } from "../support/openapi-validator.js";
import { startTestIdentity, type TestIdentity } from "../support/start-test-identity.js";
import { mintAdminToken, testUserOf } from "../support/test-users.js";

const OPENAPI_FILE = new URL("../../gen/openapi.json", import.meta.url);
const doc = JSON.parse(readFileSync(OPENAPI_FILE, "utf8")) as OpenApiDocument;

/**
 * The client code a public consumer would write, type-checked by tsc
 * against the generated types. The `@ts-expect-error` lines fail the
 * compile if the types stopped constraining calls (e.g. became `any`).
 */
const SCENARIO = `import createClient from "openapi-fetch";
import type { components, paths } from "./api.js";

type User = components["schemas"]["identity.v1.User"];
type ApiError = components["schemas"]["Error"];

export interface Tokens {
  readonly admin: string;
  forUser(userId: string): Promise<string>;
}

export async function run(baseUrl: string, fetch: typeof globalThis.fetch, tokens: Tokens) {
  const bearer = (token: string) => ({ authorization: \`Bearer \${token}\` });
  // An operator creates and lists users; the user reads and changes their own.
  const admin = createClient<paths>({ baseUrl, fetch, headers: bearer(tokens.admin) });
  const created = await admin.POST("/v1/users", {
    body: { email: "typed@example.com", display_name: "Typed" },
  });
  if (created.data === undefined) throw new Error(\`create failed: \${created.response.status}\`);
  const user: User = created.data;
  const userId: string = user.user_id ?? "";
  const headers = bearer(await tokens.forUser(userId));
  const client = createClient<paths>({ baseUrl, fetch, headers });
  const got = await client.GET("/v1/users/{user_id}", { params: { path: { user_id: userId } } });
  const renamed = await client.PATCH("/v1/users/{user_id}", {
    params: { path: { user_id: userId }, query: { update_mask: "displayName" } },
    body: { display_name: "Renamed" },
  });
  const page = await admin.GET("/v1/users", { params: { query: { limit: 1 } } });
  const missing = await client.GET("/v1/users/{user_id}", {
    params: { path: { user_id: "0190f3a4-5b6c-7d8e-9f00-000000000000" } },
  });
  const error: ApiError | undefined = missing.error;
  const version: string | undefined = renamed.data?.version;

  // @ts-expect-error display_name is required by CreateUserRequest
  void (() => client.POST("/v1/users", { body: { email: "x@example.com" } }));
  // @ts-expect-error update_mask is a required query parameter
  void (() => client.PATCH("/v1/users/{user_id}", { params: { path: { user_id: userId } }, body: {} }));
  // @ts-expect-error there is no such path
  void (() => client.GET("/v1/userz"));

  return {
    created: user,
    got: got.data,
    renamed: { name: renamed.data?.display_name, version },
    page: page.data,
    missing: { status: missing.response.status, error },
  };
}
`;

/** What SCENARIO's run() returns, as the test reads it. */
interface ScenarioResult {
  readonly created: { readonly user_id?: string };
  readonly got: unknown;
  readonly renamed: { readonly name?: string; readonly version?: string };
  readonly page: unknown;
  readonly missing: { readonly status: number; readonly error?: { readonly error: unknown } };
}

let scratch: string;
let identity: TestIdentity;
let gateway: RunningGateway;
let gatewayDatabase: GatewayDatabase | undefined;
let types: string;

beforeAll(async () => {
  // A throwaway package: the generated types, the scenario, and the
  // project's node_modules linked in so "openapi-fetch" resolves.
  scratch = mkdtempSync(join(tmpdir(), "pp-openapi-client-"));
  symlinkSync(resolve("node_modules"), join(scratch, "node_modules"), "dir");
  types = astToString(await openapiTS(OPENAPI_FILE));
  writeFileSync(join(scratch, "api.d.ts"), types);
  writeFileSync(join(scratch, "scenario.ts"), SCENARIO);
  identity = await startTestIdentity();
  gatewayDatabase = await createGatewayDatabase();
  gateway = await startGateway({
    ...gatewayDatabase.env,
    PORT: "0",
    ADMIN_PORT: "0",
    CERTS_DIR: identity.certsDir,
    LOG_LEVEL: "silent",
    UPSTREAMS: `identity=https://127.0.0.1:${identity.service.rpcPort}`,
  });
});

afterAll(async () => {
  await gateway?.stop();
  await gatewayDatabase?.remove();
  await identity?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("a client generated from /openapi.json", () => {
  it("has a type for every path and operation of the document", () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(types).toContain(`"${path}": {`);
      for (const operation of Object.values(item)) {
        expect(types).toContain(`${operation.operationId}: {`);
      }
    }
  });

  it("type-checks a typed openapi-fetch client (tsc --strict), and rejects wrong calls", async () => {
    const tsc = resolve("node_modules/typescript/bin/tsc");
    const args = [
      ...["--noEmit", "--strict", "--exactOptionalPropertyTypes"],
      ...["--target", "es2023", "--module", "nodenext", "--moduleResolution", "nodenext"],
      ...["--types", "node", "--lib", "es2023,dom", "scenario.ts"],
    ];
    const result = await promisify(execFile)(process.execPath, [tsc, ...args], {
      cwd: scratch,
    }).then(
      ({ stdout }) => ({ code: 0, output: stdout }),
      (err: { code: number; stdout: string; stderr: string }) => ({
        code: err.code,
        output: `${err.stdout}${err.stderr}`,
      }),
    );
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("calls the gateway: create, get, patch, page, and a typed error", async () => {
    const validator = createOpenApiValidator(doc);
    // Every response the typed client receives must also conform to the document.
    const validatingFetch: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const response = await fetch(request);
      validator.assertConforms(request.method, new URL(request.url).pathname, {
        status: response.status,
        contentType: response.headers.get("content-type"),
        body: await response.clone().text(),
      });
      return response;
    };
    const scenario = (await import(pathToFileURL(join(scratch, "scenario.ts")).href)) as {
      run(
        baseUrl: string,
        fetch: typeof globalThis.fetch,
        tokens: { admin: string; forUser(userId: string): Promise<string> },
      ): Promise<ScenarioResult>;
    };
    const { certsDir } = identity;
    const tokens = {
      admin: await mintAdminToken(certsDir),
      forUser: async (userId: string) => (await testUserOf(certsDir, userId)).token,
    };
    const result = await scenario.run(`http://127.0.0.1:${gateway.port}`, validatingFetch, tokens);

    expect(result.created).toMatchObject({ email: "typed@example.com", version: "1" });
    expect(result.got).toEqual(result.created);
    expect(result.renamed).toEqual({ name: "Renamed", version: "2" });
    expect(result.page).toMatchObject({
      data: [{ user_id: result.created.user_id, display_name: "Renamed", version: "2" }],
      has_more: false,
    });
    expect(result.missing.status).toBe(404);
    expect(result.missing.error?.error).toMatchObject({ code: "NOT_FOUND" });
  });
});
