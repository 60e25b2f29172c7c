import {
  type Client,
  Code,
  ConnectError,
  type HandlerContext,
  type ServiceImpl,
} from "@connectrpc/connect";
import type { UserService } from "../../gen/identity/v1/user_service_pb.js";
import { OrderStatus } from "../../gen/orders/v1/order_pb.js";
import type { OrderService } from "../../gen/orders/v1/order_service_pb.js";
import { propagatedCallOptions } from "../../platform/client/propagated-call-options.js";
import { decodeCursor, encodeCursor, pageSize } from "../../platform/pagination/index.js";
import { traceContextKey } from "../../platform/rpc/trace-context.js";
import { toOrder } from "./order-message.js";
import type { OrderStore } from "./order-store.js";

/** OrderServiceDeps are the order service's collaborators. */
export interface OrderServiceDeps {
  readonly store: OrderStore;
  /** identity's UserService, over mTLS with orders' certificate. */
  readonly users: Client<typeof UserService>;
}

// Checking the user must leave time for our own write within the caller's deadline.
const USER_LOOKUP_TIMEOUT_MS = 2_000;

/**
 * createOrderService implements OrderService. Requests arrive validated
 * against the proto; this code enforces the business rules: the user must
 * exist (asked of identity), the status life cycle, optimistic locking.
 */
export function createOrderService({
  store,
  users,
}: OrderServiceDeps): ServiceImpl<typeof OrderService> {
  return {
    async createOrder(req, ctx) {
      await assertUserExists(users, req.userId, ctx);
      const row = await store.create({ ...req, traceParent: traceParentOf(ctx) });
      return { order: toOrder(row) };
    },
    async getOrder(req) {
      return { order: toOrder(await store.get(req.orderId)) };
    },
    async listOrders(req) {
      const after = req.cursor === "" ? undefined : decodeCursor(req.cursor);
      const page = await store.list(req.userId, after, pageSize(req.limit));
      const last = page.orders.at(-1);
      return {
        data: page.orders.map(toOrder),
        hasMore: page.hasMore,
        nextCursor: page.hasMore && last ? encodeCursor(last.orderId) : "",
      };
    },
    async updateOrderStatus(req, ctx) {
      const row = await store.changeStatus(
        req.orderId,
        req.status,
        req.version,
        traceParentOf(ctx),
      );
      return { order: toOrder(row) };
    },
    async cancelOrder(req, ctx) {
      const version = req.version === 0n ? undefined : req.version;
      const row = await store.changeStatus(
        req.orderId,
        OrderStatus.CANCELLED,
        version,
        traceParentOf(ctx),
      );
      return { order: toOrder(row) };
    },
  };
}

// identity's answer decides: a missing user is our NOT_FOUND; identity being
// unreachable is our UNAVAILABLE (the caller may retry); anything else is ours
// to hide behind INTERNAL, with the cause kept for the log.
async function assertUserExists(
  users: Client<typeof UserService>,
  userId: string,
  ctx: HandlerContext,
) {
  try {
    await users.getUser({ userId }, propagatedCallOptions(ctx, USER_LOOKUP_TIMEOUT_MS));
  } catch (err) {
    const error = ConnectError.from(err);
    if (error.code === Code.NotFound)
      throw new ConnectError(`user ${userId} not found`, Code.NotFound);
    if (error.code === Code.Unavailable || error.code === Code.DeadlineExceeded) {
      throw new ConnectError(
        "identity is unavailable; retry later",
        error.code,
        undefined,
        undefined,
        error,
      );
    }
    throw new ConnectError("internal error", Code.Internal, undefined, undefined, error);
  }
}

function traceParentOf(ctx: HandlerContext): string | undefined {
  const trace = ctx.values.get(traceContextKey);
  return trace && `00-${trace.traceId}-${trace.spanId}-01`;
}
