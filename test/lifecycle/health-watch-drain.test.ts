import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";
import { startTestIdentity, type TestIdentity } from "../support/start-test-identity.js";

// Far longer than the drain may take here: an open Watch that held the
// drain would show as a stop that lasts until this deadline.
const SHUTDOWN_TIMEOUT_MS = 20_000;
// As deployed (deploy/ uses 5 s): the Watch ends while the drain waits for
// load balancers, before the RPC port closes. With no delay it ends as the
// port closes, and the server's sessions are destroyed as soon as the last
// call closes, which can cut its trailers (rpc-server.ts).
const SHUTDOWN_DELAY_MS = 300;

let identity: TestIdentity;
let stopping: Promise<void> | undefined;
beforeAll(async () => {
  identity = await startTestIdentity({
    SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  });
});
afterAll(async () => {
  await (stopping ?? identity?.stop());
});

describe("grpc.health.v1 Watch during a drain", () => {
  it("sends NOT_SERVING and ends, so the drain does not wait for it", async () => {
    const { cert, key, ca } = identity.gateway;
    const health = createClient(
      Health,
      createGrpcTransport({
        baseUrl: `https://127.0.0.1:${identity.service.rpcPort}`,
        nodeOptions: { cert, key, ca },
      }),
    );
    const watch = health.watch({ service: "identity.v1.UserService" })[Symbol.asyncIterator]();
    expect((await watch.next()).value?.status).toBe(ServingStatus.SERVING);

    stopping = identity.stop();
    const rest: ServingStatus[] = [];
    const ended = (async () => {
      for (let next = await watch.next(); !next.done; next = await watch.next()) {
        rest.push(next.value.status);
      }
    })();
    const deadline = sleep(5_000).then(() => "still open");
    expect(await Promise.race([ended.then(() => "ended"), deadline])).toBe("ended");
    expect(rest).toEqual([ServingStatus.NOT_SERVING]);
    expect(await Promise.race([stopping.then(() => "stopped"), deadline])).toBe("stopped");
  });
});
