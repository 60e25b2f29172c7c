import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import {
  CountRequestSchema,
  type CountResponse,
  CountResponseSchema,
  EchoRequestSchema,
  type EchoResponse,
  EchoResponseSchema,
} from "../../gen/interop/v1/interop_pb.js";
import { type StartedRpcServer, startRpcServer } from "../support/start-rpc-server.js";
import { createTestPki, type TestPki } from "../support/test-pki.js";
import { cancellations, interopService } from "./interop-service.js";
import { decodeStatusDetails } from "./status-details.js";

let pki: TestPki;
let server: StartedRpcServer;
let client: grpc.Client;
beforeAll(async () => {
  pki = await createTestPki();
  server = await startRpcServer(pki, "interop", [interopService], { maxMessageBytes: 64 * 1024 });
  client = await grpcJsClient("interop-client");
});
afterAll(async () => {
  client.close();
  await server.stop();
});

async function grpcJsClient(identity: string): Promise<grpc.Client> {
  const cert = await pki.cert(identity);
  const creds = grpc.credentials.createSsl(
    Buffer.from(cert.ca),
    Buffer.from(cert.key),
    Buffer.from(cert.cert),
  );
  return new grpc.Client(`127.0.0.1:${server.port}`, creds);
}

const serializeEcho = (bytes: Uint8Array) => Buffer.from(bytes);
const deserializeEcho = (b: Buffer) => fromBinary(EchoResponseSchema, b);

function echoRaw(
  c: grpc.Client,
  bytes: Uint8Array,
  metadata = new grpc.Metadata(),
  options: grpc.CallOptions = {},
): Promise<{ res?: EchoResponse; err?: grpc.ServiceError; header?: grpc.Metadata }> {
  return new Promise((resolve) => {
    let header: grpc.Metadata | undefined;
    const call = c.makeUnaryRequest(
      "/interop.v1.InteropService/Echo",
      serializeEcho,
      deserializeEcho,
      bytes,
      metadata,
      options,
      (err, res) => resolve({ res, err: err ?? undefined, header }),
    );
    call.on("metadata", (m) => {
      header = m;
    });
  });
}

const echo = (
  init: Parameters<typeof create<typeof EchoRequestSchema>>[1],
  metadata?: grpc.Metadata,
  options?: grpc.CallOptions,
) =>
  echoRaw(client, toBinary(EchoRequestSchema, create(EchoRequestSchema, init)), metadata, options);

describe("@grpc/grpc-js client against the platform", () => {
  it("makes a unary call with metadata both ways", async () => {
    const md = new grpc.Metadata();
    md.set("x-echo", "from-grpc-js");
    const { res, err, header } = await echo({ message: "hi" }, md);
    expect(err).toBeUndefined();
    expect(res?.message).toBe("hi");
    expect(res?.peer).toBe("spiffe://protoplane.local/svc/interop-client");
    expect(header?.get("x-echo")).toEqual(["from-grpc-js"]);
  });

  it("receives server-streamed messages", async () => {
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = client.makeServerStreamRequest(
        "/interop.v1.InteropService/Count",
        (b: Uint8Array) => Buffer.from(b),
        (b: Buffer) => fromBinary(CountResponseSchema, b),
        toBinary(CountRequestSchema, create(CountRequestSchema, { count: 4 })),
      );
      call.on("data", (m: CountResponse) => seen.push(m.n));
      call.on("error", reject);
      call.on("end", resolve);
    });
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it("decodes status details from grpc-status-details-bin", async () => {
    const { err } = await echo({ email: "nope" });
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const details = decodeStatusDetails(err!.metadata.get("grpc-status-details-bin")[0] as Buffer);
    const badRequest = details.find((d) => d.typeName === BadRequestSchema.typeName);
    expect(
      badRequest && fromBinary(BadRequestSchema, badRequest.value).fieldViolations[0]?.field,
    ).toBe("email");
  });

  it("gets DEADLINE_EXCEEDED when its deadline passes", async () => {
    const { err } = await echo({ sleepMs: 5000 }, undefined, { deadline: Date.now() + 150 });
    expect(err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });

  it("sends its deadline to the handler as grpc-timeout", async () => {
    const { res } = await echo({ message: "d" }, undefined, { deadline: Date.now() + 10_000 });
    expect(Number(res?.timeoutMs)).toBeGreaterThan(8_000);
    expect(Number(res?.timeoutMs)).toBeLessThanOrEqual(10_000);
  });

  it("cancels the server's work when the call is cancelled", async () => {
    const before = cancellations.count;
    const result = new Promise<grpc.ServiceError | null>((resolve) => {
      const call = client.makeUnaryRequest(
        "/interop.v1.InteropService/Echo",
        serializeEcho,
        deserializeEcho,
        toBinary(EchoRequestSchema, create(EchoRequestSchema, { sleepMs: 5000 })),
        (err) => resolve(err),
      );
      setTimeout(() => call.cancel(), 100);
    });
    expect((await result)?.code).toBe(grpc.status.CANCELLED);
    await expect.poll(() => cancellations.count, { timeout: 2000 }).toBeGreaterThan(before);
  });

  it("gets UNIMPLEMENTED for an unknown method", async () => {
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        "/interop.v1.InteropService/Nope",
        serializeEcho,
        deserializeEcho,
        new Uint8Array(),
        (e) => resolve(e),
      ),
    );
    expect(err?.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it("is refused INVALID_ARGUMENT when the message has fields the contract lacks", async () => {
    const known = toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: "m" }));
    // Field 99, varint 1: tag (99 << 3 | 0) encoded as a varint, then the value.
    const withUnknown = Buffer.concat([known, Buffer.from([0x98, 0x06, 0x01])]);
    const { err } = await echoRaw(client, withUnknown);
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details).toContain("unknown field number 99");
  });

  it("is refused RESOURCE_EXHAUSTED for a message over the limit", async () => {
    const { err } = await echo({ message: "x".repeat(100 * 1024) });
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it("is refused PERMISSION_DENIED with an identity the policy does not allow", async () => {
    const stranger = await grpcJsClient("stranger");
    const { err } = await echoRaw(
      stranger,
      toBinary(EchoRequestSchema, create(EchoRequestSchema, {})),
    );
    stranger.close();
    expect(err?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(err?.details).toContain("spiffe://protoplane.local/svc/stranger");
  });
});
