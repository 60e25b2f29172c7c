import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { InteropService } from "../../gen/interop/v1/interop_pb.js";
import { interopService } from "../../test/interop/interop-service.js";
import { type StartedRpcServer, startRpcServer } from "../../test/support/start-rpc-server.js";
import { createTestPki, type TestPki } from "../../test/support/test-pki.js";
import { createUpstreamTransport } from "./create-upstream-transport.js";
import { CIRCUIT_OPEN } from "./resilient-unary.js";

let pki: TestPki;
let server: StartedRpcServer;
beforeAll(async () => {
  pki = await createTestPki();
  server = await startRpcServer(pki, "interop", [interopService]);
});
afterAll(() => server.stop());

// Counts the attempts that actually go out on the wire.
function attemptCounter() {
  const counter = {
    attempts: 0,
    interceptor: ((next) => (req) => {
      counter.attempts++;
      return next(req);
    }) as Interceptor,
  };
  return counter;
}

async function clientFor(
  identity: string,
  baseUrl: string,
  counter: ReturnType<typeof attemptCounter>,
) {
  const cert = await pki.cert(identity);
  const transport = createUpstreamTransport({
    upstream: "interop",
    baseUrl,
    tls: cert,
    defaultTimeoutMs: 2_000,
    breaker: { failureThreshold: 3, openMs: 300 },
    interceptors: [counter.interceptor],
  });
  return { client: createClient(InteropService, transport), transport };
}

async function codeOf(call: Promise<unknown>): Promise<Code | undefined> {
  return call.then(
    () => undefined,
    (e) => ConnectError.from(e).code,
  );
}

describe("createUpstreamTransport", () => {
  it("retries an idempotent RPC that failed UNAVAILABLE, up to 3 attempts", async () => {
    const counter = attemptCounter();
    const { client, transport } = await clientFor("interop-client", server.baseUrl, counter);
    expect(await codeOf(client.echo({ failCode: Code.Unavailable }))).toBe(Code.Unavailable);
    expect(counter.attempts).toBe(3);
    await transport.close();
  });

  it("never retries an RPC whose policy is not idempotent", async () => {
    const gone = await startRpcServer(pki, "interop", [interopService]);
    await gone.stop();
    // Restricted has no `idempotent: true`; Echo (idempotent) is retried in the same situation.
    const once = attemptCounter();
    const restricted = await clientFor("trusted-client", gone.baseUrl, once);
    expect(await codeOf(restricted.client.restricted({}))).toBe(Code.Unavailable);
    expect(once.attempts).toBe(1);
    const thrice = attemptCounter();
    const echo = await clientFor("trusted-client", gone.baseUrl, thrice);
    expect(await codeOf(echo.client.echo({}))).toBe(Code.Unavailable);
    expect(thrice.attempts).toBe(3);
    await restricted.transport.close();
    await echo.transport.close();
  });

  it("does not retry errors that are the request's fault", async () => {
    const counter = attemptCounter();
    const { client, transport } = await clientFor("interop-client", server.baseUrl, counter);
    expect(await codeOf(client.echo({ failCode: Code.InvalidArgument }))).toBe(
      Code.InvalidArgument,
    );
    expect(counter.attempts).toBe(1);
    await transport.close();
  });

  it("opens the circuit when the upstream is down, fails fast, and recovers by itself", async () => {
    const counter = attemptCounter();
    const down = await startRpcServer(pki, "interop", [interopService]);
    const { client, transport } = await clientFor("interop-client", down.baseUrl, counter);
    await client.echo({ message: "up" });
    await down.stop();
    for (let i = 0; i < 3; i++) await codeOf(client.echo({}));
    expect(transport.breaker.state()).toBe("open");

    const started = performance.now();
    const err = await client.echo({}).catch((e) => ConnectError.from(e));
    expect(performance.now() - started).toBeLessThan(200);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
    expect((err as ConnectError).findDetails(ErrorInfoSchema)[0]?.reason).toBe(CIRCUIT_OPEN);

    // The upstream returns on the same port; after openMs one probe closes the circuit.
    const back = await startRpcServer(pki, "interop", [interopService], { port: down.port });
    await new Promise((r) => setTimeout(r, 350));
    await expect(client.echo({ message: "again" })).resolves.toMatchObject({ message: "again" });
    expect(transport.breaker.state()).toBe("closed");
    await transport.close();
    await back.stop();
  });
});
