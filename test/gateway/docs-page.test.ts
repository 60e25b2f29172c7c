import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDocsHandler, DOCS_CONTENT_SECURITY_POLICY } from "../../gateway/docs/index.js";
import { setSecurityHeaders } from "../../gateway/edge/security-headers.js";

/*
 * The API reference page in a real browser: headless Chromium (Debian's
 * package; CI installs it) loads /docs from a tiny server that serves only
 * the docs handler and gen/openapi.json, as the gateway does. It checks
 * that the operations render, that nothing leaves the origin (the page
 * works offline) and that the CSP blocks nothing the page needs.
 */

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = "test/artifacts/docs-page.png";
const hasChromium = existsSync(CHROMIUM);
const suite = hasChromium
  ? "API reference page at /docs"
  : `API reference page at /docs (SKIPPED: ${CHROMIUM} is missing; apt-get install -y chromium)`;

const openapi = readFileSync("gen/openapi.json");

/** Every operation in the OpenAPI document, as `METHOD /path`. */
function documentedOperations(): string[] {
  const doc = JSON.parse(openapi.toString()) as { paths: Record<string, Record<string, unknown>> };
  const methods = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => methods.has(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

function startServer(): Promise<Server> {
  const docs = createDocsHandler({ title: "protoplane API" });
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    // As the gateway serves the page: its security headers first, the page's CSP over them.
    setSecurityHeaders(res);
    if (docs(req, res, pathname)) return;
    if (pathname === "/openapi.json") {
      res.writeHead(200, { "content-type": "application/json" }).end(openapi);
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// Runs in the page before its own scripts. Injected over CDP, so the page's
// CSP does not apply to it. (A string: this project compiles without DOM types.)
const RECORD_CSP_VIOLATIONS = `
  window.cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) =>
    window.cspViolations.push(e.effectiveDirective + " blocked " + e.blockedURI));
`;

/** What a page did that it should not have. */
interface Observed {
  readonly requests: string[];
  readonly failedRequests: string[];
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
}

async function observe(page: Page): Promise<Observed> {
  const observed: Observed = {
    requests: [],
    failedRequests: [],
    consoleErrors: [],
    pageErrors: [],
  };
  page.on("request", (r) => observed.requests.push(r.url()));
  page.on("requestfailed", (r) =>
    observed.failedRequests.push(`${r.url()}: ${r.failure()?.errorText}`),
  );
  // Chromium reports CSP violations, failed loads and uncaught errors as console errors.
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") observed.consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => observed.pageErrors.push(e.message));
  await page.addInitScript(RECORD_CSP_VIOLATIONS);
  return observed;
}

describe.skipIf(!hasChromium)(suite, () => {
  let server: Server;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    server = await startServer();
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Without the networking flags Chromium stalls on background requests in CI.
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it("renders every operation from same-origin assets, blocks nothing, and keeps a screenshot", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const observed = await observe(page);

    const response = await page.goto(`${origin}/docs`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toBe(DOCS_CONTENT_SECURITY_POLICY);
    expect(await page.title()).toBe("protoplane API");

    const expected = documentedOperations();
    const blocks = page.locator(".opblock");
    await expect.poll(() => blocks.count(), { timeout: 15_000 }).toBe(expected.length);
    const shown: string[] = [];
    for (const block of await blocks.all()) {
      const method = await block.locator(".opblock-summary-method").textContent();
      const path = await block.locator(".opblock-summary-path").getAttribute("data-path");
      shown.push(`${method} ${path}`);
    }
    expect(shown.sort()).toEqual(expected.sort());
    expect(shown).toEqual(
      expect.arrayContaining([
        "GET /v1/users",
        "POST /v1/users",
        "GET /v1/users/{user_id}",
        "PATCH /v1/users/{user_id}",
        "DELETE /v1/users/{user_id}",
      ]),
    );
    await expect
      .poll(() => page.getByText("CreateUser adds a user without credentials").count())
      .toBe(1);

    // Deep links: opening an operation puts it in the URL.
    await page.locator(".opblock-summary", { hasText: "CreateUser" }).first().click();
    await page.locator(".opblock.is-open .opblock-body").waitFor();
    expect(new URL(page.url()).hash).toBe("#/UserService/UserService_CreateUser");

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    const cspViolations = await page.evaluate("window.cspViolations");
    expect(cspViolations).toEqual([]);
    expect(observed.consoleErrors).toEqual([]);
    expect(observed.pageErrors).toEqual([]);
    expect(observed.failedRequests).toEqual([]);
    expect(observed.requests.length).toBeGreaterThan(0);
    expect(observed.requests.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
    await page.close();
  });

  it("opens an operation from a deep link", async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/docs#/UserService/UserService_GetUser`);
    const open = page.locator(".opblock.is-open");
    await open.waitFor({ timeout: 15_000 });
    expect(await open.locator(".opblock-summary-path").getAttribute("data-path")).toBe(
      "/v1/users/{user_id}",
    );
    await page.close();
  });
});
