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
import { auditCallerOf } from "../../platform/audit/audit-caller.js";
import { type Access, mayAccess } from "../../platform/auth/object-access.js";
import { principalOf } from "../../platform/auth/principal.js";
import { propagatedCallOptions } from "../../platform/client/propagated-call-options.js";
import { decodeCursor, encodeCursor, pageSize } from "../../platform/pagination/index.js";
import { traceContextKey } from "../../platform/rpc/trace-context.js";
import type { OrderRow } from "./db/schema.js";
import { toOrder } from "./order-message.js";
import { type OrderStore, throwNotFound } from "./order-store.js";

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
      assertUserAccess(ctx, req.userId, "write");
      await assertUserExists(users, req.userId, ctx);
      const row = await store.create(
        { ...req, traceParent: traceParentOf(ctx) },
        auditCallerOf(ctx),
      );
      return { order: toOrder(row) };
    },
    async getOrder(req, ctx) {
      return { order: toOrder(await accessibleOrder(store, req.orderId, ctx, "read")) };
    },
    async listOrders(req, ctx) {
      assertUserAccess(ctx, req.userId, "read");
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
        auditCallerOf(ctx),
        traceParentOf(ctx),
      );
      return { order: toOrder(row) };
    },
    async cancelOrder(req, ctx) {
      // Service callers act for themselves: no read to find the owner.
      if (principalOf(ctx) !== undefined) await accessibleOrder(store, req.orderId, ctx, "write");
      const version = req.version === 0n ? undefined : req.version;
      const row = await store.changeStatus(
        req.orderId,
        OrderStatus.CANCELLED,
        version,
        auditCallerOf(ctx),
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
    if (error.code === Code.NotFound) throw userNotFound(userId);
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

// Object-level authorization (OWASP API1): another user's id answers exactly
// as an unknown one does, so a 404 confirms nothing. See mayAccess.
function assertUserAccess(ctx: HandlerContext, userId: string, access: Access): void {
  if (!mayAccess(principalOf(ctx), userId, access)) throw userNotFound(userId);
}

// An order is found before its owner is known; one the caller may not reach
// is reported with the store's own NOT_FOUND.
async function accessibleOrder(
  store: OrderStore,
  orderId: string,
  ctx: HandlerContext,
  access: Access,
): Promise<OrderRow> {
  const row = await store.get(orderId);
  if (!mayAccess(principalOf(ctx), row.userId, access)) throwNotFound(orderId);
  return row;
}

function userNotFound(userId: string): ConnectError {
  return new ConnectError(`user ${userId} not found`, Code.NotFound);
}

// The call's own traceparent (its server span's when tracing, else the
// caller's), sampled flag included: an unsampled trace stays unsampled
// through the event's publish and consumers.
function traceParentOf(ctx: HandlerContext): string | undefined {
  return ctx.values.get(traceContextKey)?.traceparent;
}
