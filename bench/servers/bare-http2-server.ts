/**
 * The ceiling: a node:http2 mTLS server that reads the request body and
 * answers every stream with one fixed, pre-encoded gRPC response. No
 * decoding, no handler, no policy; whatever any real server does costs on
 * top of this.
 */
import { createSecureServer } from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  GetUserRequestSchema,
  GetUserResponseSchema,
} from "../../gen/identity/v1/user_service_pb.js";
import { encodeFrame } from "../../platform/rpc/grpc-frame.js";
import { announce, listenOn, readServerEnv } from "./server-entry.js";
import { createUserStore } from "./user-store.js";

const env = readServerEnv();
const store = createUserStore();
const response = encodeFrame(
  toBinary(
    GetUserResponseSchema,
    store.getUser(create(GetUserRequestSchema, { userId: store.ids[0]! })),
  ),
);
const stats = { handled: 0, notFound: 0 };
const headers = { ":status": 200, "content-type": "application/grpc+proto" };
const trailers = { "grpc-status": "0" };

const server = createSecureServer({ ...env.tls, requestCert: true, rejectUnauthorized: true });
server.on("stream", (stream) => {
  stream.on("error", () => {});
  stream.on("data", () => {});
  stream.once("end", () => {
    stats.handled++;
    stream.respond(headers, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers(trailers));
    stream.end(response);
  });
});
announce(await listenOn(server, env.port), () => stats);
