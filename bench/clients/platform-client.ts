/**
 * The platform client: `createFastGrpcTransport` under Connect's
 * `createClient`, exactly as a service calls another one.
 */
import { createClient } from "@connectrpc/connect";
import { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { createFastGrpcTransport } from "../../platform/client/index.js";
import { benchUserIds } from "../servers/user-store.js";
import { MEASURE_START, readClientEnv, report } from "./client-entry.js";
import { runClosedLoop } from "./closed-loop.js";

const env = readClientEnv();
const ids = benchUserIds();
const transport = createFastGrpcTransport({
  baseUrl: `https://${env.target}`,
  tls: env.tls,
  servername: "localhost",
  defaultTimeoutMs: env.deadlineMs,
});
const users = createClient(UserService, transport);

const result = await runClosedLoop(
  async (n) => {
    const userId = ids[n % ids.length]!;
    const res = await users.getUser({ userId });
    return res.user?.userId === userId;
  },
  env.loop,
  () => process.stdout.write(`${MEASURE_START}\n`),
);
// report() exits the process, which closes the connection. Not awaiting
// transport.close() here on purpose: its session is unref'd, so with
// nothing else alive the close can leave the event loop empty and node
// exits 13 (unsettled top-level await) before the result is printed.
report(result);
