/**
 * An event recorded while a request is traced carries the request's span,
 * so its publish and its consumers join that trace.
 */

import { context } from "@opentelemetry/api";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTracing, type Tracing, traceparentOf } from "../../platform/tracing/index.js";
import * as schema from "../events/db/schema.js";
import { createShop, openShopDatabase, type ShopDatabase } from "../events/shop-fixture.js";
import { type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.js";

let receiver: OtlpReceiver;
let tracing: Tracing;
let database: ShopDatabase;
const shop = createShop("shop");

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  tracing = await startTracing({ service: "shop", version: "0.0.0", endpoint: receiver.endpoint });
  database = await openShopDatabase();
});
afterAll(async () => {
  await database?.drop();
  await tracing?.shutdown();
  await receiver?.close();
});

async function storedTraceparent(eventId: string): Promise<string | undefined> {
  const [row] = await database.db
    .select({ headers: schema.outbox.headers })
    .from(schema.outbox)
    .where(eq(schema.outbox.eventId, eventId));
  return row?.headers["traceparent"];
}

describe("writeEvent", () => {
  it("stores the active span's traceparent when the event names none", async () => {
    let expected: string | undefined;
    const eventId = await tracing.tracer.startActiveSpan("request", async (span) => {
      expected = traceparentOf(context.active());
      try {
        return await shop.ship(database.db, "w-1", 1);
      } finally {
        span.end();
      }
    });
    expect(expected).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(await storedTraceparent(eventId)).toBe(expected);
  });

  it("stores none outside any span", async () => {
    const eventId = await shop.ship(database.db, "w-2", 1);
    expect(await storedTraceparent(eventId)).toBeUndefined();
  });
});
