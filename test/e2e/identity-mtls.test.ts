import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { promisify } from "node:util";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateUserRequestSchema,
  CreateUserResponseSchema,
  GetUserRequestSchema,
  GetUserResponseSchema,
} from "../../gen/identity/v1/user_service_pb.js";
import { ensureDevCa, ensureServiceCert, type ServiceCert } from "../../platform/pki/index.js";
import type { RunningService } from "../../platform/service/index.js";
import { startTestIdentity, type TestIdentity } from "../support/start-test-identity.js";
import { type AuthHeaders, adminHeaders } from "../support/test-users.js";

const run = promisify(execFile);
let identity: TestIdentity;
let service: RunningService;
let certsDir: string;
let scratch: string;
let gateway: ServiceCert;
// CreateUser is administrative: the gateway's calls carry an admin's token.
let admin: AuthHeaders;

beforeAll(async () => {
  identity = await startTestIdentity();
  ({ service, certsDir, scratch, gateway } = identity);
  admin = await adminHeaders(certsDir);
});
afterAll(() => identity.stop());

function grpcJsClient(cert: ServiceCert): grpc.Client {
  const creds = grpc.credentials.createSsl(
    Buffer.from(cert.ca),
    Buffer.from(cert.key),
    Buffer.from(cert.cert),
  );
  return new grpc.Client(`127.0.0.1:${service.rpcPort}`, creds);
}

function unary<T>(
  client: grpc.Client,
  path: string,
  bytes: Uint8Array,
  decode: (b: Buffer) => T,
  headers: Record<string, string> = {},
) {
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(headers)) metadata.set(name, value);
  return new Promise<{ res?: T; err?: grpc.ServiceError }>((resolve) =>
    client.makeUnaryRequest(
      path,
      (b: Uint8Array) => Buffer.from(b),
      decode,
      bytes,
      metadata,
      (err, res) => resolve({ res, err: err ?? undefined }),
    ),
  );
}

async function bufCurl(
  protocol: string,
  path: string,
  body: object,
  cert: ServiceCert | undefined = gateway,
) {
  const tls = cert ? ["--cert", cert.certFile, "--key", cert.keyFile] : [];
  const auth = cert === gateway ? ["-H", `Authorization: ${admin.authorization}`] : [];
  const args = [
    "curl",
    "--schema",
    ".",
    "--protocol",
    protocol,
    "--cacert",
    join(certsDir, "ca.crt"),
    ...tls,
    ...auth,
    "-d",
    JSON.stringify(body),
    `https://127.0.0.1:${service.rpcPort}${path}`,
  ];
  const { stdout } = await run("node_modules/.bin/buf", args, { timeout: 30_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe("identity over mTLS", () => {
  it("serves a @grpc/grpc-js client whose identity the policy allows", async () => {
    const client = grpcJsClient(gateway);
    const created = await unary(
      client,
      "/identity.v1.UserService/CreateUser",
      toBinary(
        CreateUserRequestSchema,
        create(CreateUserRequestSchema, { email: "grace@example.com", displayName: "Grace" }),
      ),
      (b) => fromBinary(CreateUserResponseSchema, b),
      admin,
    );
    expect(created.err).toBeUndefined();
    const orders = grpcJsClient(await ensureServiceCert(certsDir, { service: "orders" }));
    const read = await unary(
      orders,
      "/identity.v1.UserService/GetUser",
      toBinary(
        GetUserRequestSchema,
        create(GetUserRequestSchema, { userId: created.res?.user?.userId ?? "" }),
      ),
      (b) => fromBinary(GetUserResponseSchema, b),
    );
    expect(read.res?.user?.email).toBe("grace@example.com");
    client.close();
    orders.close();
  });

  it("refuses PERMISSION_DENIED to an identity the policy does not name", async () => {
    const billing = grpcJsClient(await ensureServiceCert(certsDir, { service: "billing" }));
    const { err } = await unary(
      billing,
      "/identity.v1.UserService/CreateUser",
      toBinary(
        CreateUserRequestSchema,
        create(CreateUserRequestSchema, { email: "b@example.com", displayName: "B" }),
      ),
      (b) => b,
    );
    billing.close();
    expect(err?.code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it("fails the TLS handshake for a client without a certificate", async () => {
    const error = await new Promise<Error>((resolve) => {
      const socket = tlsConnect({
        host: "127.0.0.1",
        port: service.rpcPort,
        ca: gateway.ca,
        ALPNProtocols: ["h2"],
        servername: "localhost",
      });
      socket.on("error", resolve);
      socket.on("secureConnect", () => socket.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
      socket.on("close", () => resolve(new Error("closed without a TLS alert")));
    });
    // TLS 1.3: the server's alert 116 (certificate_required) ends the handshake.
    expect(error.message).toMatch(/certificate required/);
  });

  it("refuses a certificate from another CA", async () => {
    const foreign = join(scratch, "foreign");
    await ensureDevCa(foreign);
    const stranger = await ensureServiceCert(foreign, { service: "gateway" });
    const client = grpcJsClient({ ...stranger, ca: gateway.ca });
    const { err } = await unary(
      client,
      "/identity.v1.UserService/ListUsers",
      new Uint8Array(),
      (b) => b,
    );
    client.close();
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
  });

  it.each(["grpc", "connect", "grpcweb"])("answers buf curl over %s", async (protocol) => {
    const email = `curl-${protocol}@example.com`;
    const created = await bufCurl(protocol, "/identity.v1.UserService/CreateUser", {
      email,
      display_name: "Curl",
    });
    const user = created.user as { userId: string };
    const read = await bufCurl(protocol, "/identity.v1.UserService/GetUser", {
      user_id: user.userId,
    });
    expect((read.user as { email: string }).email).toBe(email);
  });

  it("reports health over grpc.health.v1 and on the admin port", async () => {
    const health = await bufCurl("grpc", "/grpc.health.v1.Health/Check", {
      service: "identity.v1.UserService",
    });
    expect(health.status).toBe("SERVING");
    for (const probe of ["live", "ready", "startup"]) {
      const res = await fetch(`http://127.0.0.1:${service.adminPort}/health/${probe}`);
      expect(res.status).toBe(200);
    }
  });

  it("keeps its certificate files private", () => {
    for (const file of ["ca.key", "identity.key", "identity.crt"]) {
      expect(statSync(join(certsDir, file)).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(certsDir, "identity.crt"), "utf8")).toContain("BEGIN CERTIFICATE");
  });
});
