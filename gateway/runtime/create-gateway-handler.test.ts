import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { routes as generatedRoutes } from "../../gen/gateway/routes.js";
import { LibraryService } from "../../gen/gwtest/v1/library_pb.js";
import { createGatewayHandler, type GatewayLogger } from "./create-gateway-handler.js";
import { createLibraryUpstream } from "./testing/library-upstream.js";
import { startTestGateway, type TestGateway } from "./testing/start-test-gateway.js";
import { testRoute } from "./testing/test-route.js";

let gateway: TestGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

function captureLogger() {
  const entries: { obj: Record<string, unknown>; msg: string }[] = [];
  const logger: GatewayLogger = { error: (obj, msg) => entries.push({ obj: obj as never, msg }) };
  return { logger, entries };
}

describe("createGatewayHandler", () => {
  const call = createLibraryUpstream().call;

  it("accepts the generated route table", () => {
    expect(() => createGatewayHandler({ routes: generatedRoutes, call })).not.toThrow();
  });

  it("refuses a route table it cannot serve, at startup", () => {
    const m = LibraryService.method;
    const bad = [testRoute("GET", "/v1/{nope}", m.getBook)];
    expect(() => createGatewayHandler({ routes: bad, call })).toThrow(/no field "nope"/);
    const noField = [testRoute("GET", "/v1/x", m.getBook, { responseBody: "nope" })];
    expect(() => createGatewayHandler({ routes: noField, call })).toThrow(/response_body/);
    const twice = [
      testRoute("GET", "/v1/{name}", m.getBook),
      testRoute("GET", "/v1/{name}", m.getBook),
    ];
    expect(() => createGatewayHandler({ routes: twice, call })).toThrow(/ambiguous/);
  });

  it("logs server faults with their cause and request id, and client errors not at all", async () => {
    const { logger, entries } = captureLogger();
    gateway = await startTestGateway({ logger });
    await gateway.send("GET", "/v1/shelves/1/books/unknown-route/x");
    await gateway.send("GET", "/v1/shelves/1/books/crash", { headers: { "x-request-id": "r-1" } });
    expect(entries).toHaveLength(1);
    expect(entries[0]?.obj["request_id"]).toBe("r-1");
    expect(String(entries[0]?.obj["err"])).toMatch(/secret/);
  });

  it("answers HEAD errors with headers only", async () => {
    gateway = await startTestGateway();
    const res = await gateway.send("HEAD", "/v2/nothing");
    expect(res.status).toBe(404);
    expect(res.text).toBe("");
    expect(Number(res.headers["content-length"])).toBeGreaterThan(0);
  });

  it("marks every response of a deprecated route, errors included", async () => {
    gateway = await startTestGateway();
    const res = await gateway.send("GET", "/v1beta/shelves/1/books/unavailable");
    expect(res.status).toBe(503);
    expect(res.headers["deprecation"]).toBe("@1688169599");
    expect(res.headers["sunset"]).toBe("Thu, 31 Dec 2026 23:59:59 GMT");
  });

  it("aborts the upstream call when the client disconnects", async () => {
    gateway = await startTestGateway();
    const req = request({
      host: "127.0.0.1",
      port: gateway.port,
      path: "/v1/shelves/1/books/hang",
    });
    req.on("error", () => {});
    req.end();
    await waitFor(() => gateway!.calls.length === 1);
    const signal = gateway.calls[0]!.signal;
    expect(signal.aborted).toBe(false);
    req.destroy();
    await waitFor(() => signal.aborted);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}
