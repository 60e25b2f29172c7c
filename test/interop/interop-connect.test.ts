import { Code, ConnectError, createClient } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { InteropService } from "../../gen/interop/v1/interop_pb.js";
import { type StartedRpcServer, startRpcServer } from "../support/start-rpc-server.js";
import { createTestPki, type TestPki } from "../support/test-pki.js";
import { cancellations, interopService } from "./interop-service.js";

let pki: TestPki;
let server: StartedRpcServer;
beforeAll(async () => {
  pki = await createTestPki();
  server = await startRpcServer(pki, "interop", [interopService], { maxMessageBytes: 64 * 1024 });
});
afterAll(() => server.stop());

const protocols = {
  grpc: createGrpcTransport,
  connect: createConnectTransport,
  "grpc-web": createGrpcWebTransport,
} as const;

async function transportFor(protocol: keyof typeof protocols, identity = "interop-client") {
  const cert = await pki.cert(identity);
  return protocols[protocol]({
    baseUrl: server.baseUrl,
    httpVersion: "2",
    nodeOptions: { cert: cert.cert, key: cert.key, ca: cert.ca },
  });
}

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("expected the call to fail");
}

describe.each(
  Object.keys(protocols) as (keyof typeof protocols)[],
)("connect-node client over %s", (protocol) => {
  it("makes a unary call and sees the caller's SPIFFE id on the server", async () => {
    const client = createClient(InteropService, await transportFor(protocol));
    const res = await client.echo({ message: "hello" });
    expect(res.message).toBe("hello");
    expect(res.peer).toBe("spiffe://protoplane.local/svc/interop-client");
  });

  it("round-trips metadata as response headers and trailers", async () => {
    const client = createClient(InteropService, await transportFor(protocol));
    let header: Headers | undefined;
    let trailer: Headers | undefined;
    await client.echo(
      { message: "m" },
      {
        headers: { "x-echo": "abc" },
        onHeader: (h) => {
          header = h;
        },
        onTrailer: (t) => {
          trailer = t;
        },
      },
    );
    expect(header?.get("x-echo")).toBe("abc");
    expect(trailer?.get("x-echo-trailer")).toBe("abc");
  });

  it("streams server messages in order", async () => {
    const client = createClient(InteropService, await transportFor(protocol));
    const seen: number[] = [];
    for await (const m of client.count({ count: 5 })) seen.push(m.n);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it("ends a stream with the error the handler threw after some messages", async () => {
    const client = createClient(InteropService, await transportFor(protocol));
    const seen: number[] = [];
    const err = await rejection(
      (async () => {
        for await (const m of client.count({ count: 5, failAfter: 2 })) seen.push(m.n);
      })(),
    );
    expect(seen).toEqual([1, 2]);
    expect(err.code).toBe(Code.FailedPrecondition);
  });

  it("returns a status with typed details", async () => {
    const client = createClient(InteropService, await transportFor(protocol));
    const err = await rejection(client.echo({ failCode: Code.NotFound }));
    expect(err.code).toBe(Code.NotFound);
    expect(err.rawMessage).toBe("failing as asked with NotFound");
    expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe("ASKED_TO_FAIL");
  });

  it("rejects a request that breaks the proto's rules with one violation per field", async () => {
    const client = createClient(InteropService, await transportFor(protocol));
    const err = await rejection(client.echo({ email: "not-an-email", sleepMs: -1 }));
    expect(err.code).toBe(Code.InvalidArgument);
    const fields = err
      .findDetails(BadRequestSchema)[0]
      ?.fieldViolations.map((v) => v.field)
      .sort();
    expect(fields).toEqual(["email", "sleep_ms"]);
    expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe("VALIDATION_FAILED");
  });

  it("enforces the client's deadline", async () => {
    const client = createClient(InteropService, await transportFor(protocol));
    const started = Date.now();
    const err = await rejection(client.echo({ sleepMs: 5000 }, { timeoutMs: 150 }));
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("caps the deadline at the proto policy's timeout and tells the handler", async () => {
    const client = createClient(InteropService, await transportFor(protocol));
    const res = await client.echo({ message: "t" }, { timeoutMs: 120_000 });
    expect(Number(res.timeoutMs)).toBeGreaterThan(25_000);
    expect(Number(res.timeoutMs)).toBeLessThanOrEqual(30_000);
  });

  it("propagates cancellation to the handler", async () => {
    const client = createClient(InteropService, await transportFor(protocol));
    const before = cancellations.count;
    const controller = new AbortController();
    const call = client.echo({ sleepMs: 5000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect((await rejection(call)).code).toBe(Code.Canceled);
    await expect.poll(() => cancellations.count, { timeout: 2000 }).toBeGreaterThan(before);
  });

  it("answers an unknown method with UNIMPLEMENTED", async () => {
    const client = createClient(UserService, await transportFor(protocol));
    const err = await rejection(client.getUser({ userId: "0190b5a0-0000-7000-8000-000000000000" }));
    expect(err.code).toBe(Code.Unimplemented);
  });

  it("refuses a caller the policy does not name with PERMISSION_DENIED", async () => {
    const client = createClient(InteropService, await transportFor(protocol));
    const err = await rejection(client.restricted({}));
    expect(err.code).toBe(Code.PermissionDenied);
    const trusted = createClient(InteropService, await transportFor(protocol, "trusted-client"));
    await expect(trusted.restricted({})).resolves.toBeDefined();
  });

  it("refuses a message larger than the limit with RESOURCE_EXHAUSTED", async () => {
    const client = createClient(InteropService, await transportFor(protocol));
    const err = await rejection(client.echo({ message: "x".repeat(100 * 1024) }));
    expect(err.code).toBe(Code.ResourceExhausted);
  });
});

describe.each(["grpc", "connect"] as const)("client streaming over %s", (protocol) => {
  it("sums a client stream", async () => {
    const client = createClient(InteropService, await transportFor(protocol));
    async function* values() {
      for (const value of [1n, 2n, 39n]) yield { value };
    }
    expect((await client.sum(values())).total).toBe(42n);
  });
});
