/**
 * Plain connect-node on node:http2 with mTLS (client certificate required):
 * what a service gets from Connect alone, without the platform's fast path
 * or chain.
 */
import { createSecureServer } from "node:http2";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { announce, listenOn, readServerEnv } from "./server-entry.js";
import { createUserStore } from "./user-store.js";

const env = readServerEnv();
const store = createUserStore();
const server = createSecureServer(
  { ...env.tls, requestCert: true, rejectUnauthorized: true },
  connectNodeAdapter({
    routes: (router) => router.service(UserService, { getUser: (req) => store.getUser(req) }),
  }),
);
announce(await listenOn(server, env.port), () => store.stats);
