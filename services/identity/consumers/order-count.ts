import { eq, sql } from "drizzle-orm";
import { OrderCreatedSchema } from "../../../gen/orders/v1/events_pb.js";
import type { AppDatabase } from "../../../platform/db/index.js";
import type { SubscribeOptions } from "../../../platform/events/subscribe.js";
import { defineConsumer } from "../../../platform/events/topology.js";
import type * as schema from "../db/schema.js";
import { processedEvents, users } from "../db/schema.js";

/**
 * orderCreatedConsumer is identity's durable consumer of orders' OrderCreated
 * events (at least once; the processed-events table makes the count exact).
 */
export const orderCreatedConsumer = defineConsumer({
  durable: "identity-order-count",
  stream: "EVENTS_ORDERS",
  filterSubject: "orders.order.created.v1",
  // Caught-up events commit together, one transaction per batch (subscribe).
  batchSize: 50,
  maxDeliver: 5,
  backoffMs: [200, 1_000, 5_000, 15_000],
});

/**
 * orderCountSubscription keeps `users.order_count` up to date: each
 * OrderCreated adds one, in the same transaction that marks the event
 * processed, so a redelivery never counts twice. An order for a user who
 * was deleted since changes nothing.
 */
export function orderCountSubscription(
  db: AppDatabase<typeof schema>,
): SubscribeOptions<typeof OrderCreatedSchema, typeof schema> {
  return {
    consumer: orderCreatedConsumer,
    schema: OrderCreatedSchema,
    db,
    processed: processedEvents,
    async handler(event, _envelope, tx) {
      const userId = event.order?.userId;
      if (userId === undefined) return;
      await tx
        .update(users)
        .set({ orderCount: sql`${users.orderCount} + 1` })
        .where(eq(users.userId, userId));
    },
  };
}
