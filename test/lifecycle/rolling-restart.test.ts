/**
 * A rolling restart of identity under load, as Kubernetes does one: the
 * gateway reaches identity through a Service (test/support/tcp-balancer.ts,
 * kube-proxy's connection balancing plus the endpoints controller's
 * readiness polling), a second instance B starts and turns ready, then the
 * first instance A gets SIGTERM. A's readiness turns 503 at once, the
 * balancer stops sending it new connections, and only after
 * SHUTDOWN_DELAY_MS does A send its GOAWAY; the gateway's one HTTP/2
 * connection then reconnects, through the balancer, to B. Public clients
 * must see none of it: not one failed request.
 *
 * Both instances share one Postgres database, as replicas do; two PGlite
 * instances cannot share data, so without TEST_DATABASE_URL it is skipped.
 */
import type { ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../platform/db/test-database.js";
import { createGatewayClient } from "../support/gateway-http.js";
import { startHttpLoad } from "../support/http-load.js";
import { recordReadiness } from "../support/readiness-recorder.js";
import { jsonLines, spawnGateway } from "../support/spawn-gateway.js";
import { type SpawnedService, spawnService } from "../support/spawn-service.js";
import { startTcpBalancer, type TcpBalancer } from "../support/tcp-balancer.js";
import { UNLIMITED_EDGE, userLoadMix } from "../support/user-load.js";

const CONNECTIONS = 20;
// Long enough for the balancer's 100 ms readiness polling to take A out
// before A sends its GOAWAY and closes its port.
const SHUTDOWN_DELAY_MS = 500;
// The load runs at least this long, and on past A's exit by AFTER_EXIT_MS.
const MIN_LOAD_MS = 6_000;
const AFTER_EXIT_MS = 1_500;

const children: ChildProcess[] = [];
let balancer: TcpBalancer | undefined;
let database: TestDatabase<Record<string, never>> | undefined;

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await balancer?.close();
  await database?.drop();
});

async function spawnIdentity(env: Record<string, string>): Promise<SpawnedService> {
  const service = await spawnService("identity", env);
  children.push(service.child);
  return service;
}

/** gatewayCallTimes are when (ms) a service logged each RPC it served the gateway. */
function gatewayCallTimes(service: SpawnedService): number[] {
  return jsonLines(service.lines)
    .filter((l) => l.msg === "rpc" && l.peer === "gateway")
    .map((l) => Date.parse(l.time as string));
}

describe("rolling restart of identity behind a Service", () => {
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "moves the gateway from A to B without one failed request",
    async () => {
      database = await createTestDatabase({});
      const env = { DATABASE_URL: database.url!, SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS) };
      const a = await spawnIdentity(env);
      balancer = await startTcpBalancer();
      balancer.add(a.rpcPort, { adminPort: a.adminPort });
      await balancer.waitUntilRoutable(a.rpcPort);
      const gateway = await spawnGateway({
        CERTS_DIR: a.certsDir,
        UPSTREAMS: `identity=https://localhost:${balancer.port}`,
        ...UNLIMITED_EDGE,
      });
      children.push(gateway.child);

      // A user created by an admin, read with its own token; the admin writes.
      const requests = await userLoadMix(createGatewayClient(gateway.port), a.certsDir, "rolling");
      const loadStarted = Date.now();
      const load = startHttpLoad({
        port: gateway.port,
        connections: CONNECTIONS,
        durationS: 45,
        requests,
      });
      await sleep(500);

      // The new pod starts and joins the Service once ready.
      const b = await spawnIdentity({ ...env, CERTS_DIR: a.certsDir });
      balancer.add(b.rpcPort, { adminPort: b.adminPort });
      await balancer.waitUntilRoutable(b.rpcPort);

      // The old pod is deleted.
      const readiness = recordReadiness(a.adminPort);
      await sleep(100);
      const okBeforeTerm = load.okCount();
      const termAt = Date.now();
      a.child.kill("SIGTERM");
      const aExit = await a.exited;
      const exitAt = Date.now();
      await readiness.stop();

      await sleep(Math.max(AFTER_EXIT_MS, MIN_LOAD_MS - (Date.now() - loadStarted)));
      load.stop();
      const report = await load.done;

      // Not one request failed, of any kind, over the whole run.
      expect({
        failed: report.failed.slice(0, 5),
        errors: report.errors.slice(0, 5),
        lost: report.lost,
        refused: report.refused,
        afterClose: report.afterClose,
      }).toEqual({ failed: [], errors: [], lost: [], refused: [], afterClose: [] });
      expect(Object.keys(report.statuses).every((s) => Number(s) < 300)).toBe(true);
      expect(okBeforeTerm).toBeGreaterThan(50);
      // Every request sent got its 2xx but the last one on each connection, cut by stop().
      expect(report.sent - report.ok.length).toBeLessThanOrEqual(CONNECTIONS);

      // A drained: exit 0, and readiness was 503 (never 200 again) before it exited.
      expect(aExit).toBe(0);
      const samples = readiness.samples;
      const first503 = samples.findIndex((s) => s.status === 503);
      expect(samples[0]?.status).toBe(200);
      expect(first503).toBeGreaterThan(0);
      expect(samples[first503]!.at).toBeLessThan(exitAt);
      expect(samples.slice(first503).every((s) => s.status !== 200)).toBe(true);
      // The balancer saw it and stopped routing to A before A closed its RPC port.
      const aOut = balancer.events.find((e) => e.port === a.rpcPort && !e.routable);
      expect(aOut).toBeDefined();
      expect(aOut!.at).toBeGreaterThanOrEqual(termAt);
      expect(aOut!.at).toBeLessThan(termAt + SHUTDOWN_DELAY_MS);

      // A served the gateway before; B served it after A was gone, and so
      // did the public side: the gateway's client moved to B.
      expect(gatewayCallTimes(a).filter((t) => t <= termAt).length).toBeGreaterThan(0);
      expect(gatewayCallTimes(b).filter((t) => t > exitAt).length).toBeGreaterThan(10);
      expect(report.ok.filter((t) => t > exitAt).length).toBeGreaterThan(10);
      console.log(
        `rolling restart: ${report.ok.length} ok (${report.sent} sent), A out of the balancer`,
        `${aOut!.at - termAt} ms after SIGTERM, A exited after ${exitAt - termAt} ms;`,
        `B served ${gatewayCallTimes(b).filter((t) => t > exitAt).length} gateway calls after`,
      );
    },
    60_000,
  );
});
