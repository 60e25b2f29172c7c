/**
 * A Kubernetes Service balances connections, not calls, and a caller keeps
 * one HTTP/2 connection per upstream: without a maximum connection age a
 * caller stays on the first pod it reached, and a pod added later gets
 * nothing from it. Two RPC servers behind test/support/tcp-balancer.ts
 * (kube-proxy's round robin over connections) and one platform client
 * calling without pause: with RPC_MAX_CONNECTION_AGE_MS the server closes
 * the connection gracefully, the client reconnects, and the next connection
 * lands on the other pod; no call fails across those switches.
 */
import { createClient } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { InteropService } from "../../gen/interop/v1/interop_pb.js";
import { createUpstreamTransport } from "../../platform/client/index.js";
import type { ServiceRegistration } from "../../platform/rpc/service-registration.js";
import { interopService } from "../interop/interop-service.js";
import { type StartedRpcServer, startRpcServer } from "../support/start-rpc-server.js";
import { startTcpBalancer, type TcpBalancer } from "../support/tcp-balancer.js";
import { createTestPki } from "../support/test-pki.js";

const CALLERS = 8;
const LOAD_MS = 1_500;

const started: { servers: StartedRpcServer[]; balancer?: TcpBalancer; close?: () => unknown } = {
  servers: [],
};
afterEach(async () => {
  await started.close?.();
  await Promise.all(started.servers.splice(0).map((s) => s.stop()));
  await started.balancer?.close();
});

// Two "pods" behind one Service; each counts the calls it served.
async function twoPods(maxConnectionAgeMs: number) {
  const pki = await createTestPki();
  const served = [0, 0];
  for (const pod of [0, 1]) {
    const counting: ServiceRegistration<typeof InteropService> = {
      ...interopService,
      impl: {
        ...interopService.impl,
        echo(req, ctx) {
          served[pod]!++;
          return interopService.impl.echo!(req, ctx);
        },
      },
    };
    started.servers.push(await startRpcServer(pki, "interop", [counting], { maxConnectionAgeMs }));
  }
  const balancer = await startTcpBalancer();
  started.balancer = balancer;
  for (const server of started.servers) balancer.add(server.port);
  const cert = await pki.cert("interop-client");
  const transport = createUpstreamTransport({
    upstream: "interop",
    baseUrl: `https://127.0.0.1:${balancer.port}`,
    tls: { cert: cert.cert, key: cert.key, ca: cert.ca },
  });
  started.close = () => transport.close();
  return { served, client: createClient(InteropService, transport) };
}

// CALLERS loops calling back to back for LOAD_MS; resolves to the failures.
async function callWithoutPause(client: ReturnType<typeof createClient<typeof InteropService>>) {
  const failures: unknown[] = [];
  const until = Date.now() + LOAD_MS;
  const caller = async () => {
    while (Date.now() < until) {
      await client.echo({ message: "m", sleepMs: 2 }).catch((err: unknown) => failures.push(err));
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, caller));
  return failures;
}

describe("maximum connection age", () => {
  it("moves a connected caller over both pods behind a Service, failing no call", async () => {
    const { served, client } = await twoPods(200);
    const failures = await callWithoutPause(client);
    expect(failures.map(String)).toEqual([]);
    const [a, b] = served as [number, number];
    expect(a + b).toBeGreaterThan(100);
    // Several reconnections, alternating pods: each gets a real share.
    expect(Math.min(a, b) / (a + b)).toBeGreaterThan(0.15);
  });

  it("without it, leaves the caller on the first pod it reached", async () => {
    const { served, client } = await twoPods(0);
    expect(await callWithoutPause(client)).toEqual([]);
    expect(served.filter((n) => n > 0)).toHaveLength(1);
  });
});
