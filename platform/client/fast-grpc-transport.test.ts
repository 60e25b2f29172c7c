import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  type Client,
  Code,
  ConnectError,
  createClient,
  type Interceptor,
} from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort as unusedPort } from "../../bench/net-util.js";
import { InteropService } from "../../gen/interop/v1/interop_pb.js";
import { ensureServiceCert, type ServiceCert } from "../pki/index.js";
import { createFastGrpcTransport, type FastGrpcTransport } from "./fast-grpc-transport.js";
import { type InteropGrpcServer, startInteropGrpcServer } from "./interop-grpc-server.js";

let dir: string;
let clientCert: ServiceCert;
let server: InteropGrpcServer;
let transport: FastGrpcTransport;
let client: Client<typeof InteropService>;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "protoplane-client-"));
  const serverCert = await ensureServiceCert(dir, { service: "interop" });
  clientCert = await ensureServiceCert(dir, { service: "interop-client" });
  server = await startInteropGrpcServer(serverCert);
  transport = createFastGrpcTransport({ baseUrl: server.url, tls: clientCert });
  client = createClient(InteropService, transport);
});

afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  await transport.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** A transport closed after the suite, for tests that need other options. */
function extraTransport(
  options: Partial<Parameters<typeof createFastGrpcTransport>[0]>,
): FastGrpcTransport {
  const extra = createFastGrpcTransport({ baseUrl: server.url, tls: clientCert, ...options });
  closers.push(() => extra.close());
  return extra;
}

async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof ConnectError) return err;
  throw new Error(`expected a ConnectError, got ${String(err)}`);
}

async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe("createFastGrpcTransport", () => {
  it("round-trips a unary call over mTLS through createClient", async () => {
    const res = await client.echo({ message: "hello" });
    expect(res.message).toBe("hello");
    expect(res.peer).toBe("spiffe://protoplane.local/svc/interop-client");
  });

  it("sends caller headers and a user-agent, and returns response headers and trailers", async () => {
    let header: Headers | undefined;
    let trailer: Headers | undefined;
    await client.echo(
      { message: "meta" },
      {
        headers: { "X-Request-Id": "abc" },
        onHeader: (h) => {
          header = h;
        },
        onTrailer: (t) => {
          trailer = t;
        },
      },
    );
    const seen = server.calls.at(-1)!.metadata;
    expect(seen.get("x-request-id")).toEqual(["abc"]);
    expect(String(seen.get("user-agent")[0])).toMatch(/^protoplane-grpc/);
    expect(header?.get("x-request-id")).toBe("abc");
    expect(trailer?.get("x-request-id")).toBe("abc");
  });

  it("turns a server error into a ConnectError with its code, message and metadata", async () => {
    const call = client.echo(
      { message: "bob", failCode: Code.NotFound },
      { headers: { "x-request-id": "r1" } },
    );
    const err = await rejection(call);
    expect(err.code).toBe(Code.NotFound);
    expect(err.rawMessage).toBe("echo failed: bob");
    // Echoed in headers and trailers; like connect's transport, metadata holds both.
    expect(err.metadata.get("x-request-id")).toBe("r1, r1");
  });

  it("decodes a trailers-only error with a percent-encoded message", async () => {
    const err = await rejection(
      client.echo({ message: "café ✓ 100%", failCode: Code.AlreadyExists }),
    );
    expect(err.code).toBe(Code.AlreadyExists);
    expect(err.rawMessage).toBe("echo failed: café ✓ 100%");
  });

  it("sends the deadline as grpc-timeout and fails fast with DEADLINE_EXCEEDED", async () => {
    const started = Date.now();
    const err = await rejection(
      client.echo({ message: "slow", sleepMs: 5_000 }, { timeoutMs: 200 }),
    );
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(1_000);
    const deadline = server.calls.at(-1)!.deadline;
    expect(deadline - started).toBeGreaterThan(100);
    expect(deadline - started).toBeLessThanOrEqual(300);
  });

  it("gives a call without timeoutMs the default deadline", async () => {
    const res = await extraTransport({ defaultTimeoutMs: 1_500 }).unary(
      InteropService.method.echo,
      undefined,
      undefined,
      undefined,
      { message: "default" },
    );
    expect(Number(res.message.timeoutMs)).toBeGreaterThan(1_000);
    expect(Number(res.message.timeoutMs)).toBeLessThanOrEqual(1_500);
  });

  it("fails a call whose deadline already passed without sending it", async () => {
    const before = server.calls.length;
    const err = await rejection(client.echo({ message: "late" }, { timeoutMs: -5 }));
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(server.calls.length).toBe(before);
  });

  it("cancels the stream when the signal aborts, and the server sees it", async () => {
    const cancelledBefore = server.cancelled();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const err = await rejection(
      client.echo({ message: "x", sleepMs: 5_000 }, { signal: controller.signal }),
    );
    expect(err.code).toBe(Code.Canceled);
    expect(Date.now() - started).toBeLessThan(1_000);
    await eventually(() => server.cancelled() > cancelledBefore);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const err = await rejection(client.echo({ message: "x" }, { signal: AbortSignal.abort() }));
    expect(err.code).toBe(Code.Canceled);
  });

  it("reports an unreachable server as UNAVAILABLE and keeps the cause", async () => {
    const port = await unusedPort();
    const down = createClient(
      InteropService,
      extraTransport({ baseUrl: `https://localhost:${port}` }),
    );
    const err = await rejection(down.echo({ message: "anyone?" }));
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).toBe("upstream unavailable: ECONNREFUSED");
    expect(err.cause).toBeInstanceOf(Error);
  });

  it("reports a server it cannot verify (TLS handshake failure) as UNAVAILABLE", async () => {
    const strangerDir = await mkdtemp(join(tmpdir(), "protoplane-client-stranger-"));
    closers.push(() => rm(strangerDir, { recursive: true, force: true }));
    const stranger = await ensureServiceCert(strangerDir, { service: "interop-client" });
    const untrusting = createClient(InteropService, extraTransport({ tls: stranger }));
    const err = await rejection(untrusting.echo({ message: "hi" }));
    expect(err.code).toBe(Code.Unavailable);
  });

  it("streams server responses through the delegated connect-node path", async () => {
    const seen: number[] = [];
    for await (const res of client.count({ count: 5, intervalMs: 1 })) seen.push(res.n);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    const failing = async () => {
      for await (const _ of client.count({ count: 5, failAfter: 2 })) {
        // drain
      }
    };
    expect((await rejection(failing())).code).toBe(Code.FailedPrecondition);
  });

  it("runs client streaming through the delegated path", async () => {
    async function* addends() {
      for (const value of [1n, 2n, 39n]) yield { value };
    }
    expect((await client.sum(addends())).total).toBe(42n);
  });

  it("serves 200 concurrent calls on one HTTP/2 connection", async () => {
    const before = server.calls.length;
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => client.echo({ message: `m${i}` })),
    );
    expect(replies.map((r) => r.message)).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
    const peers = new Set(server.calls.slice(before).map((c) => c.peer));
    expect(peers.size).toBe(1);
  });

  it("runs interceptors on unary and streaming calls", async () => {
    const tag: Interceptor = (next) => (req) => {
      req.header.set("x-intercepted", req.method.name);
      return next(req);
    };
    const tagged = createClient(InteropService, extraTransport({ interceptors: [tag] }));
    let header: Headers | undefined;
    await tagged.echo(
      { message: "i" },
      {
        onHeader: (h) => {
          header = h;
        },
      },
    );
    expect(header?.get("x-intercepted")).toBe("Echo");
    for await (const _ of tagged.count({ count: 1 })) {
      // drain
    }
    expect(server.calls.at(-1)!.metadata.get("x-intercepted")).toEqual(["Count"]);
    const err = await rejection(tagged.echo({ message: "s", sleepMs: 2_000 }, { timeoutMs: 100 }));
    expect(err.code).toBe(Code.DeadlineExceeded);
  });

  it("refuses a request larger than maxMessageBytes before sending it", async () => {
    const small = createClient(InteropService, extraTransport({ maxMessageBytes: 100 }));
    const err = await rejection(small.echo({ message: "x".repeat(200) }));
    expect(err.code).toBe(Code.ResourceExhausted);
  });

  it("reconnects on the next call after the server went away", async () => {
    const serverCert = await ensureServiceCert(dir, { service: "interop" });
    const first = await startInteropGrpcServer(serverCert);
    const flaky = createClient(InteropService, extraTransport({ baseUrl: first.url }));
    expect((await flaky.echo({ message: "one" })).message).toBe("one");
    first.forceShutdown();
    const second = await startInteropGrpcServer(serverCert, first.port);
    closers.push(() => second.close());
    expect((await flaky.echo({ message: "two" })).message).toBe("two");
  });

  it("does not keep an idle process alive", async () => {
    const script = `
      import { createClient } from "@connectrpc/connect";
      import { InteropService } from "./gen/interop/v1/interop_pb.ts";
      import { createFastGrpcTransport } from "./platform/client/fast-grpc-transport.ts";
      const tls = JSON.parse(process.env.TLS);
      const client = createClient(InteropService, createFastGrpcTransport({ baseUrl: process.env.URL, tls }));
      const res = await client.echo({ message: "bye" });
      console.log(res.message);
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        cwd: join(import.meta.dirname, "../.."),
        env: { ...process.env, URL: server.url, TLS: JSON.stringify(clientCert) },
        timeout: 15_000,
      },
    );
    expect(stdout.trim()).toBe("bye");
  });
});
