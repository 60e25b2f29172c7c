/**
 * The grpc-js client: `Client.makeUnaryRequest` with protobuf-es
 * serializers, one channel, a deadline per call like every client here.
 */
import { create } from "@bufbuild/protobuf";
import { Client } from "@grpc/grpc-js";
import { GetUserRequestSchema } from "../../gen/identity/v1/user_service_pb.js";
import { mtlsCredentials } from "../grpc-js-call.js";
import { getUserMethod } from "../grpc-js-definition.js";
import { benchUserIds } from "../servers/user-store.js";
import { MEASURE_START, readClientEnv, report } from "./client-entry.js";
import { runClosedLoop } from "./closed-loop.js";

const env = readClientEnv();
const ids = benchUserIds();
const client = new Client(env.target, mtlsCredentials(env.tls), {
  "grpc.ssl_target_name_override": "localhost",
});
const m = getUserMethod;

const result = await runClosedLoop(
  (n) => {
    const userId = ids[n % ids.length]!;
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        m.path,
        m.requestSerialize,
        m.responseDeserialize,
        create(GetUserRequestSchema, { userId }),
        { deadline: Date.now() + env.deadlineMs },
        (err, res) => (err ? reject(err) : resolve(res?.user?.userId === userId)),
      );
    });
  },
  env.loop,
  () => process.stdout.write(`${MEASURE_START}\n`),
);
report(result); // exits, which closes the channel
