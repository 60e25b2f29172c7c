import { Code, ConnectError } from "@connectrpc/connect";
import { OrderStatus } from "../../../gen/orders/v1/order_pb.js";

// The life cycle from proto/orders/v1/order.proto, as data: each status and
// the statuses it may move to. Terminal statuses have none.
const next: ReadonlyMap<OrderStatus, ReadonlySet<OrderStatus>> = new Map([
  [OrderStatus.PENDING, new Set([OrderStatus.CONFIRMED, OrderStatus.CANCELLED])],
  [OrderStatus.CONFIRMED, new Set([OrderStatus.SHIPPED, OrderStatus.CANCELLED])],
  [OrderStatus.SHIPPED, new Set([OrderStatus.DELIVERED])],
  [OrderStatus.DELIVERED, new Set()],
  [OrderStatus.CANCELLED, new Set()],
]);

/** canTransition reports whether an order may move from one status to another. */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return next.get(from)?.has(to) ?? false;
}

/**
 * assertTransition throws FAILED_PRECONDITION for a move the life cycle does
 * not allow: the request is well-formed, the order's state forbids it
 * (https://google.aip.dev/216).
 */
export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw new ConnectError(
      `an order that is ${statusName(from)} cannot become ${statusName(to)}`,
      Code.FailedPrecondition,
    );
  }
}

/** statusName is the status as stored and shown: "PENDING", "CANCELLED"… */
export function statusName(status: OrderStatus): string {
  return OrderStatus[status] ?? String(status);
}

/** statusFromName reads a stored status back. */
export function statusFromName(name: string): OrderStatus {
  const status = OrderStatus[name as keyof typeof OrderStatus];
  if (status === undefined) throw new Error(`unknown stored order status ${JSON.stringify(name)}`);
  return status;
}
