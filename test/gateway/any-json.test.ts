/**
 * google.protobuf.Any through the gateway: ProtoJSON names the packed type
 * in "@type", so reading and writing an Any needs the types the route
 * table's files reach (routeTypeRegistry). The route is a tiny echo service
 * whose file imports google/rpc/status.proto (Status has `repeated Any
 * details`) and error_details.proto (the ErrorInfo packed into it).
 */
import { create, createFileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startTestGateway,
  type TestGateway,
} from "../../gateway/runtime/testing/start-test-gateway.js";
import { testRoute } from "../../gateway/runtime/testing/test-route.js";
import { file_google_rpc_error_details } from "../../gen/google/rpc/error_details_pb.js";
import { file_google_rpc_status } from "../../gen/google/rpc/status_pb.js";

const imports = new Map([
  ["google/rpc/status.proto", file_google_rpc_status],
  ["google/rpc/error_details.proto", file_google_rpc_error_details],
]);

const echoRegistry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "gwtest/v1/status_echo.proto",
    package: "gwtest.v1",
    syntax: "proto3",
    dependency: [...imports.keys()],
    service: [
      {
        name: "StatusEchoService",
        method: [
          { name: "Echo", inputType: ".google.rpc.Status", outputType: ".google.rpc.Status" },
        ],
      },
    ],
  }),
  (name) => imports.get(name),
);

const echo = echoRegistry.getService("gwtest.v1.StatusEchoService")?.method["echo"];
if (echo === undefined) throw new Error("the echo service did not build");

const STATUS = {
  code: 3,
  message: "bad",
  details: [
    {
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "R",
      domain: "d",
      metadata: { k: "v" },
    },
  ],
};

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({
    routes: [testRoute("POST", "/v1/status:echo", echo, { body: "*" })],
    call: async (_route, request) => ({ message: request }),
  });
});

afterAll(async () => {
  await gateway.close();
});

describe("google.protobuf.Any", () => {
  it("is read from the body and written back by its @type", async () => {
    const res = await gateway.send("POST", "/v1/status:echo", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify(STATUS),
    });
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text)).toEqual(STATUS);
  });

  it("is refused (400) when its type is unknown", async () => {
    const body = { details: [{ "@type": "type.googleapis.com/nowhere.Nothing", x: 1 }] };
    const res = await gateway.send("POST", "/v1/status:echo", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.code).toBe("INVALID_ARGUMENT");
  });
});
