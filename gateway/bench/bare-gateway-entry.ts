/**
 * The floor of any Node gateway with a network hop, for `npm run
 * bench:gateway` with BENCH_FLOOR=1: a bare node:http server that makes one
 * bare node:http2 call per request over the same mTLS connection to the
 * same identity server, and answers the response's size. No routing, no
 * ProtoJSON, no edge, no logs or metrics, no deadline, no retries: only
 * what every request of a Node gateway costs whatever it is written like.
 * It reads the gateway's settings (TLS_*_PATH, UPSTREAMS) as startGateway
 * does, and announces itself with the line gateway-process.ts waits for.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { GetUserRequestSchema } from "../../gen/identity/v1/user_service_pb.js";
import { encodeFrame } from "../../platform/rpc/grpc-frame.js";

const env = (name: string) => process.env[name] ?? "";
const identity = env("UPSTREAMS").replace(/^identity=/, "");
const session = http2.connect(identity, {
  cert: readFileSync(env("TLS_CERT_PATH")),
  key: readFileSync(env("TLS_KEY_PATH")),
  ca: readFileSync(env("TLS_CA_PATH")),
  ALPNProtocols: ["h2"],
});
const PREFIX = "/v1/users/";

const server = createServer((req, res) => {
  const userId = (req.url ?? "").slice(PREFIX.length);
  const frame = encodeFrame(
    toBinary(GetUserRequestSchema, create(GetUserRequestSchema, { userId })),
  );
  const stream = session.request({
    ":method": "POST",
    ":path": "/identity.v1.UserService/GetUser",
    "content-type": "application/grpc+proto",
    te: "trailers",
  });
  let size = 0;
  stream.on("data", (chunk: Buffer) => {
    size += chunk.byteLength;
  });
  stream.on("close", () => {
    const body = `{"bytes":${size}}`;
    res.writeHead(stream.rstCode === 0 ? 200 : 502, {
      "content-type": "application/json",
      "content-length": body.length,
    });
    res.end(body);
  });
  stream.end(frame);
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ msg: "gateway started", port }));
});
const stop = () => server.close(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
