/**
 * A public edge may refuse its clients' trace context (the gateway's
 * TRACE_TRUST_CLIENT=false): a request then starts a trace of its own,
 * linked to the client's span, so no client picks trace ids or forces its
 * requests to be traced. By default the client's span is the parent.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequestTracer, startTracing, type Tracing } from "../../platform/tracing/index.js";
import { type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.js";

let receiver: OtlpReceiver;
let tracing: Tracing;
const servers: Server[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  tracing = await startTracing({ service: "edge", version: "0.0.0", endpoint: receiver.endpoint });
});
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await tracing?.shutdown();
  await receiver?.close();
});

// A server whose every request is one traced HTTP span, answered at once.
async function edge(trustCaller: boolean | undefined): Promise<string> {
  const trace = httpRequestTracer(tracing.tracer, trustCaller === undefined ? {} : { trustCaller });
  const server = createServer((req, res) => {
    void trace(req, res, async () => res.end("ok"));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function requestSpan(url: string, client: { traceId: string; spanId: string }) {
  const res = await fetch(url, {
    headers: { traceparent: `00-${client.traceId}-${client.spanId}-01` },
  });
  expect(await res.text()).toBe("ok");
  const mine = () =>
    receiver
      .spans()
      .filter(
        (s) =>
          s.traceId === client.traceId || s.links.some((link) => link.spanId === client.spanId),
      );
  await expect
    .poll(async () => {
      await tracing.flush();
      return mine().length;
    })
    .toBe(1);
  return mine()[0]!;
}

const fromClient = () => ({
  traceId: randomBytes(16).toString("hex"),
  spanId: randomBytes(8).toString("hex"),
});

describe("a client's traceparent at the edge", () => {
  it("parents the request's span by default", async () => {
    const client = fromClient();
    const span = await requestSpan(await edge(undefined), client);
    expect(span).toMatchObject({ traceId: client.traceId, parentSpanId: client.spanId });
    expect(span.links).toEqual([]);
  });

  it("is only linked when the edge does not trust it: the request starts its own trace", async () => {
    const client = fromClient();
    const span = await requestSpan(await edge(false), client);
    expect(span.kind).toBe("SPAN_KIND_SERVER");
    expect(span.traceId).not.toBe(client.traceId);
    expect(span.parentSpanId).toBe("");
    expect(span.links).toEqual([client]);
  });
});
