import type { OrderItem } from "../../../gen/orders/v1/order_pb.js";

/**
 * orderTotal is the order's price in cents: the sum of quantity * unit price.
 * bigint all the way, so no total is ever rounded (the proto caps quantities
 * and prices well inside int64 anyway).
 */
export function orderTotal(
  items: readonly Pick<OrderItem, "quantity" | "unitPriceCents">[],
): bigint {
  return items.reduce((sum, item) => sum + BigInt(item.quantity) * item.unitPriceCents, 0n);
}
