/**
 * Raw @grpc/grpc-js with mTLS (client certificate required), the service
 * definition built by hand with protobuf-es serializers; no validation, no
 * policy, no logging.
 */
import type { ConnectError } from "@connectrpc/connect";
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  type status,
} from "@grpc/grpc-js";
import type { GetUserRequest, GetUserResponse } from "../../gen/identity/v1/user_service_pb.js";
import { getUserMethod } from "../grpc-js-definition.js";
import { announce, readServerEnv } from "./server-entry.js";
import { createUserStore } from "./user-store.js";

const env = readServerEnv();
const store = createUserStore();
const server = new Server();
server.addService(
  { getUser: getUserMethod },
  {
    getUser(
      call: ServerUnaryCall<GetUserRequest, GetUserResponse>,
      done: sendUnaryData<GetUserResponse>,
    ) {
      try {
        done(null, store.getUser(call.request));
      } catch (err) {
        // Connect and gRPC share status numbers.
        const e = err as ConnectError;
        done({ code: e.code as number as status, details: e.rawMessage });
      }
    },
  },
);
const credentials = ServerCredentials.createSsl(
  Buffer.from(env.tls.ca),
  [{ private_key: Buffer.from(env.tls.key), cert_chain: Buffer.from(env.tls.cert) }],
  true,
);
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync(`127.0.0.1:${env.port}`, credentials, (err, bound) =>
    err ? reject(err) : resolve(bound),
  ),
);
announce(port, () => store.stats);
