import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Order, type OrderItem, OrderSchema } from "../../gen/orders/v1/order_pb.js";
import type { OrderRow, StoredItem } from "./db/schema.js";
import { statusFromName } from "./domain/order-status.js";

/** toOrder turns a stored row into the API's Order message. */
export function toOrder(row: OrderRow): Order {
  return create(OrderSchema, {
    orderId: row.orderId,
    userId: row.userId,
    status: statusFromName(row.status),
    items: row.items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      unitPriceCents: BigInt(item.unitPriceCents),
    })),
    totalCents: row.totalCents,
    currency: row.currency,
    createTime: timestampFromDate(row.createTime),
    updateTime: timestampFromDate(row.updateTime),
    version: row.version,
  });
}

/** toStoredItems is the inverse for the `items` column. */
export function toStoredItems(items: readonly OrderItem[]): StoredItem[] {
  return items.map((item) => ({
    sku: item.sku,
    quantity: item.quantity,
    unitPriceCents: item.unitPriceCents.toString(),
  }));
}
