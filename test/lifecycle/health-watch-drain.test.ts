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

// With a delay, as deployed (deploy/ uses 5 s), the Watch ends while the
// drain waits for load balancers; with none it ends as the RPC port closes,
// the last call of the drain, whose trailers must still reach the client
// (sessions flush before they are destroyed: rpc-server.ts).
describe.each([300, 0])("grpc.health.v1 Watch during a drain (SHUTDOWN_DELAY_MS=%i)", (delayMs) => {
  let identity: TestIdentity;
  let stopping: Promise<void> | undefined;
  beforeAll(async () => {
    identity = await startTestIdentity({
      SHUTDOWN_DELAY_MS: String(delayMs),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    });
  });
  afterAll(async () => {
    await (stopping ?? identity?.stop());
  });

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
