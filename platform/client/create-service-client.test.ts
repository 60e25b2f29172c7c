import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { InteropService } from "../../gen/interop/v1/interop_pb.js";
import { ensureServiceCert } from "../pki/index.js";
import { createServiceClient } from "./create-service-client.js";
import { startInteropGrpcServer } from "./interop-grpc-server.js";

describe("createServiceClient", () => {
  it("calls a service with the generated client and fails UNAVAILABLE once closed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "protoplane-service-client-"));
    const server = await startInteropGrpcServer(
      await ensureServiceCert(dir, { service: "interop" }),
    );
    const tls = await ensureServiceCert(dir, { service: "orders" });
    const interop = createServiceClient(InteropService, { baseUrl: server.url, tls });
    try {
      const res = await interop.client.echo({ message: "hi" });
      expect(res.peer).toBe("spiffe://protoplane.local/svc/orders");
      await interop.close();
      const err = await interop.client.echo({ message: "again" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.Unavailable);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
