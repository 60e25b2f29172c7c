/**
 * One trace covers a REST request end to end: the gateway's HTTP span,
 * orders' RPC server span, its call to identity (client and server spans),
 * both services' SQL statements, the outbox relay's publish and identity's
 * consumer with its transaction, all exported over OTLP/gRPC to a real
 * receiver, with no parameter values in any attribute.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayHandler } from "../../gateway/runtime/index.js";
import { createUpstreams, type Upstreams } from "../../gateway/upstreams.js";
import { routes } from "../../gen/gateway/routes.js";
import { ensureServiceCert } from "../../platform/pki/index.js";
import { startTracing, type Tracing } from "../../platform/tracing/index.js";
import { type OrdersPlatform, startOrdersPlatform } from "../support/start-orders-platform.js";
import { createUserAsAdmin } from "../support/test-users.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.js";

let receiver: OtlpReceiver;
let tracing: Tracing;
let platform: OrdersPlatform;
let upstreams: Upstreams;
let gateway: Server;
let gatewayPort: number;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // Before anything is built: servers and clients decide once whether to trace.
  tracing = await startTracing({ service: "test", version: "0.0.0", endpoint: receiver.endpoint });
  platform = await startOrdersPlatform();
  const tls = await ensureServiceCert(platform.certsDir, { service: "gateway" });
  const urls = {
    identity: `https://127.0.0.1:${platform.identity.rpcPort}`,
    orders: `https://127.0.0.1:${platform.orders.rpcPort}`,
  };
  upstreams = createUpstreams(urls, routes, { tls, maxMessageBytes: 4 * 1024 * 1024 });
  gateway = createServer(createGatewayHandler({ routes, call: upstreams.call }));
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  gatewayPort = (gateway.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => gateway?.close(resolve));
  await upstreams?.close();
  await platform?.stop();
  await tracing?.shutdown();
  await receiver?.close();
});

const EMAIL = "tracy.trace@example.com";
const NAME = "Tracy Tracewell";
const SKU = "sku-secret-42";

describe("distributed tracing", () => {
  it("follows one order from the gateway through both services, Postgres and the event to its consumer", async () => {
    const { userId, headers: own } = await createUserAsAdmin(platform.users, platform.certsDir, {
      email: EMAIL,
      displayName: NAME,
    });
    const traceId = randomBytes(16).toString("hex");
    const callerSpanId = randomBytes(8).toString("hex");

    const res = await post(`/v1/users/${userId}/orders`, {
      headers: {
        traceparent: `00-${traceId}-${callerSpanId}-01`,
        tracestate: "vendor=opaque-value,ot=th:8",
        "x-request-id": "trace-req-1",
        ...own,
      },
      json: { items: [{ sku: SKU, quantity: 2, unit_price_cents: "150" }], currency: "EUR" },
    });
    expect(res.status).toBe(200);
    await expect
      .poll(
        async () => (await platform.users.getUser({ userId }, { headers: own })).user?.orderCount,
        {
          timeout: 10_000,
        },
      )
      .toBe(1n);
    // The consumer's span ends just after its commit; flush until it is exported.
    await expect
      .poll(
        async () => {
          await tracing.flush();
          return spansOf(traceId).some((s) => s.kind === "SPAN_KIND_CONSUMER");
        },
        { timeout: 10_000 },
      )
      .toBe(true);

    const trace = spansOf(traceId);
    const tree = treeOf(trace);

    const http = tree.only("SPAN_KIND_SERVER", "POST /v1/users/{user_id}/orders");
    expect(http.parentSpanId).toBe(callerSpanId);
    expect(http.attributes).toMatchObject({
      "service.name": "gateway",
      "http.request.method": "POST",
      "http.route": "/v1/users/{user_id}/orders",
      "http.response.status_code": 200,
      "url.path": `/v1/users/${userId}/orders`,
      "url.scheme": "http",
      request_id: "trace-req-1",
    });

    // The gateway calls through the same upstream transport as services: one
    // CLIENT span per attempt, between its HTTP span and the service's span.
    const createOrderCall = tree.only("SPAN_KIND_CLIENT", "orders.v1.OrderService/CreateOrder");
    expect(createOrderCall.parentSpanId).toBe(http.spanId);
    const createOrder = tree.only("SPAN_KIND_SERVER", "orders.v1.OrderService/CreateOrder");
    expect(createOrder.parentSpanId).toBe(createOrderCall.spanId);
    expect(createOrder.attributes).toMatchObject({
      "service.name": "orders",
      "rpc.system": "grpc",
      "rpc.service": "orders.v1.OrderService",
      "rpc.method": "CreateOrder",
      "rpc.grpc.status_code": 0,
      request_id: "trace-req-1",
    });

    const getUserCall = tree.only("SPAN_KIND_CLIENT", "identity.v1.UserService/GetUser");
    expect(getUserCall.parentSpanId).toBe(createOrder.spanId);
    expect(getUserCall.attributes).toMatchObject({
      "service.name": "orders",
      "rpc.system": "grpc",
      "rpc.grpc.status_code": 0,
      "server.address": "127.0.0.1",
    });
    const getUser = tree.only("SPAN_KIND_SERVER", "identity.v1.UserService/GetUser");
    expect(getUser.parentSpanId).toBe(getUserCall.spanId);
    expect(getUser.attributes).toMatchObject({
      "service.name": "identity",
      request_id: "trace-req-1",
    });
    expect(tree.queriesUnder(getUser).map((q) => q.name)).toContain("SELECT identity.users");

    const ordersQueries = tree.queriesUnder(createOrder);
    const insert = ordersQueries.find((q) => q.name === "INSERT orders.orders");
    expect(insert?.attributes).toMatchObject({
      "service.name": "orders",
      "db.system.name": "postgresql",
      "db.operation.name": "INSERT",
      "db.collection.name": "orders.orders",
    });
    expect(insert?.attributes["db.namespace"]).toEqual(expect.any(String));
    expect(insert?.attributes["db.query.text"]).toMatch(/^insert into "orders"\."orders" .*\$1\b/s);
    expect(ordersQueries.map((q) => q.name)).toContain("INSERT orders.outbox");

    const publish = tree.only("SPAN_KIND_PRODUCER", "publish orders.order.created.v1");
    expect(publish.parentSpanId).toBe(createOrder.spanId);
    expect(publish.attributes).toMatchObject({
      "service.name": "orders",
      "messaging.system": "memory",
      "messaging.destination.name": "orders.order.created.v1",
      "messaging.operation.type": "send",
      "messaging.message.id": expect.any(String),
    });

    const consume = tree.only("SPAN_KIND_CONSUMER", "process orders.order.created.v1");
    expect(consume.parentSpanId).toBe(publish.spanId);
    expect(consume.attributes).toMatchObject({
      "service.name": "identity",
      "messaging.destination.name": "orders.order.created.v1",
      "messaging.message.id": publish.attributes["messaging.message.id"],
      "messaging.consumer.group.name": "identity-order-count",
    });
    const consumerQueries = tree.queriesUnder(consume).map((q) => q.name);
    expect(consumerQueries).toContain("INSERT identity.processed_events");
    expect(consumerQueries).toContain("UPDATE identity.users");

    // The caller's tracestate is carried by every span of the trace, across
    // each RPC hop (the event's spans start from the stored traceparent alone).
    const hops = [http, createOrderCall, createOrder, getUserCall, getUser];
    for (const span of hops) expect(span.traceState, span.name).toBe("vendor=opaque-value,ot=th:8");

    // One provider per process: its resource names the first service started.
    expect(new Set(trace.map((s) => s.resourceService))).toEqual(new Set(["test"]));
  });

  it("records nothing of a trace its caller did not sample, down to the event's consumer", async () => {
    const { userId, headers: own } = await createUserAsAdmin(platform.users, platform.certsDir, {
      email: "untraced@example.com",
      displayName: "Untraced",
    });
    const traceId = randomBytes(16).toString("hex");
    const res = await post(`/v1/users/${userId}/orders`, {
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-00`, ...own },
      json: { items: [{ sku: "sku-1", quantity: 1, unit_price_cents: "100" }], currency: "EUR" },
    });
    expect(res.status).toBe(200);
    // The consumer has run (its commit counted the order) before spans are flushed.
    await expect
      .poll(
        async () => (await platform.users.getUser({ userId }, { headers: own })).user?.orderCount,
        { timeout: 10_000 },
      )
      .toBe(1n);
    await tracing.flush();
    // The stored event names the caller's trace as unsampled too, so its
    // publish and consume spans are not recorded under a parent never exported.
    expect(spansOf(traceId)).toEqual([]);
  });

  it("records statements, never their values", () => {
    const everything = JSON.stringify(receiver.spans().map((s) => s.attributes));
    expect(everything).toContain("db.query.text");
    for (const value of [EMAIL, NAME, SKU]) expect(everything).not.toContain(value);
    const texts = receiver.spans().flatMap((s) => s.attributes["db.query.text"] ?? []);
    expect(texts.some((t) => String(t).startsWith('insert into "identity"."users"'))).toBe(true);
  });
});

function spansOf(traceId: string): ReceivedSpan[] {
  return receiver.spans().filter((s) => s.traceId === traceId);
}

function treeOf(spans: ReceivedSpan[]) {
  return {
    only(kind: string, name: string): ReceivedSpan {
      const found = spans.filter((s) => s.kind === kind && s.name === name);
      expect(found, `${kind} ${name}`).toHaveLength(1);
      return found[0]!;
    },
    queriesUnder(parent: ReceivedSpan): ReceivedSpan[] {
      return spans.filter(
        (s) =>
          s.parentSpanId === parent.spanId &&
          s.kind === "SPAN_KIND_CLIENT" &&
          s.attributes["db.system.name"] === "postgresql",
      );
    },
  };
}

async function post(
  path: string,
  options: { headers: Record<string, string>; json: unknown },
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${gatewayPort}${path}`, {
    method: "POST",
    headers: { ...options.headers, "content-type": "application/json" },
    body: JSON.stringify(options.json),
  });
  return { status: res.status, body: await res.json() };
}
