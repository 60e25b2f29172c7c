import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { and, asc, eq, gt, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { OrderCreatedSchema, OrderStatusChangedSchema } from "../../gen/orders/v1/events_pb.js";
import type { OrderItem } from "../../gen/orders/v1/order_pb.js";
import { OrderStatus } from "../../gen/orders/v1/order_pb.js";
import { type AuditCaller, appendAudit } from "../../platform/audit/index.js";
import {
  type AppDatabase,
  type AppTransaction,
  mapDbError,
  withTransaction,
} from "../../platform/db/index.js";
import type { NewEvent } from "../../platform/events/event-envelope.js";
import { writeEvent } from "../../platform/events/outbox.js";
import type * as schema from "./db/schema.js";
import { auditLog, type OrderRow, orders, outbox } from "./db/schema.js";
import { assertTransition, statusFromName, statusName } from "./domain/order-status.js";
import { orderTotal } from "./domain/order-total.js";
import { toOrder, toStoredItems } from "./order-message.js";

type Db = AppDatabase<typeof schema>;
type Tx = AppTransaction<typeof schema>;

/** NewOrder is what a client chooses when placing an order. */
export interface NewOrder {
  readonly userId: string;
  readonly items: readonly OrderItem[];
  readonly currency: string;
  /** The client's retry key; empty for none. */
  readonly requestId: string;
  readonly traceParent?: string | undefined;
}

/** OrderPage is one page of a user's orders, oldest first. */
export interface OrderPage {
  readonly orders: readonly OrderRow[];
  readonly hasMore: boolean;
}

/**
 * OrderStore reads and writes `orders.orders`. Every change writes its event
 * to `orders.outbox` and its audit row, naming `caller`, to `orders.audit_log`
 * in the same transaction (no dual write: all commit or none). Methods throw
 * ConnectErrors only.
 */
export interface OrderStore {
  create(order: NewOrder, caller: AuditCaller): Promise<OrderRow>;
  get(orderId: string): Promise<OrderRow>;
  list(userId: string, afterOrderId: string | undefined, limit: number): Promise<OrderPage>;
  /** Moves the order to `status` if it is at `expectedVersion` (any version when undefined). */
  changeStatus(
    orderId: string,
    status: OrderStatus,
    expectedVersion: bigint | undefined,
    caller: AuditCaller,
    traceParent?: string,
  ): Promise<OrderRow>;
}

/**
 * RecordEvent records an event inside the transaction that changes the state
 * it describes. The default writes it to `orders.outbox`.
 */
export type RecordEvent = (tx: Tx, event: NewEvent) => Promise<unknown>;

/** OrderStoreOptions configure {@link createOrderStore}. */
export interface OrderStoreOptions {
  /** Runs after each commit that recorded an event (wakes the outbox relay). */
  readonly onEvent?: () => void;
  /** How events are recorded; the outbox unless a benchmark baseline says otherwise. */
  readonly recordEvent?: RecordEvent;
}

const toOutbox: RecordEvent = (tx, event) => writeEvent(tx, outbox, event);

/** createOrderStore builds the {@link OrderStore}. */
export function createOrderStore(db: Db, options: OrderStoreOptions = {}): OrderStore {
  const onEvent = options.onEvent ?? (() => {});
  const record = options.recordEvent ?? toOutbox;
  return {
    create: (order, caller) => guard(() => createOrder(db, order, caller, onEvent, record)),
    get: (orderId) => guard(async () => (await find(db, orderId)) ?? throwNotFound(orderId)),
    list: (userId, after, limit) => guard(() => listPage(db, userId, after, limit)),
    changeStatus: (orderId, status, expectedVersion, caller, traceParent) =>
      guard(async () => {
        const row = await withTransaction(db, (tx) =>
          changeStatus(tx, orderId, status, expectedVersion, traceParent, record, caller),
        );
        onEvent();
        return row;
      }),
  };
}

async function createOrder(
  db: Db,
  order: NewOrder,
  caller: AuditCaller,
  onEvent: () => void,
  record: RecordEvent,
): Promise<OrderRow> {
  const created = await withTransaction(db, async (tx) => {
    const [row] = await tx
      .insert(orders)
      .values({
        orderId: uuidv7(),
        userId: order.userId,
        requestId: order.requestId === "" ? null : order.requestId,
        status: statusName(OrderStatus.PENDING),
        items: toStoredItems(order.items),
        totalCents: orderTotal(order.items),
        currency: order.currency,
      })
      .onConflictDoNothing()
      .returning();
    if (row === undefined) return undefined; // a retry: the first attempt's order stands
    await record(tx, {
      schema: OrderCreatedSchema,
      message: create(OrderCreatedSchema, { order: toOrder(row) }),
      subjectKey: row.orderId,
      source: "orders",
      traceParent: order.traceParent,
      requestId: caller.requestId,
    });
    await auditCreated(tx, row, caller);
    return row;
  });
  if (created !== undefined) {
    onEvent();
    return created;
  }
  return (
    (await findByRequestId(db, order.userId, order.requestId)) ?? throwNotFound(order.requestId)
  );
}

async function changeStatus(
  tx: Tx,
  orderId: string,
  status: OrderStatus,
  expectedVersion: bigint | undefined,
  traceParent: string | undefined,
  record: RecordEvent,
  caller: AuditCaller,
): Promise<OrderRow> {
  // Lock the row: the transition check and the write must see the same status.
  const [current] = await tx.select().from(orders).where(eq(orders.orderId, orderId)).for("update");
  if (current === undefined) throwNotFound(orderId);
  if (expectedVersion !== undefined && current.version !== expectedVersion) {
    throw new ConnectError(
      `order ${orderId} is at version ${current.version}, not ${expectedVersion}: read it again and retry`,
      Code.Aborted,
    );
  }
  const previous = statusFromName(current.status);
  assertTransition(previous, status);
  const [row] = await tx
    .update(orders)
    .set({
      status: statusName(status),
      version: sql`${orders.version} + 1`,
      updateTime: sql`now()`,
    })
    .where(eq(orders.orderId, orderId))
    .returning();
  await record(tx, {
    schema: OrderStatusChangedSchema,
    message: create(OrderStatusChangedSchema, {
      orderId,
      userId: row!.userId,
      previousStatus: previous,
      status,
      version: row!.version,
    }),
    subjectKey: orderId,
    source: "orders",
    traceParent,
    requestId: caller.requestId,
  });
  await auditStatusChange(tx, previous, row!, caller);
  return row!;
}

// Audit rows commit with the change they record; the sealer chains them
// after commit. Details name what changed, never the items or prices.
function auditCreated(tx: Tx, row: OrderRow, caller: AuditCaller) {
  return appendAudit(tx, auditLog, {
    ...caller,
    action: "order.created",
    target: `order:${row.orderId}`,
    details: { user_id: row.userId, status: row.status },
  });
}

function auditStatusChange(tx: Tx, previous: OrderStatus, row: OrderRow, caller: AuditCaller) {
  return appendAudit(tx, auditLog, {
    ...caller,
    action:
      row.status === statusName(OrderStatus.CANCELLED) ? "order.cancelled" : "order.status_changed",
    target: `order:${row.orderId}`,
    details: { from: statusName(previous), to: row.status, version: String(row.version) },
  });
}

// One row more than asked tells whether another page follows.
async function listPage(
  db: Db,
  userId: string,
  after: string | undefined,
  limit: number,
): Promise<OrderPage> {
  const rows = await db
    .select()
    .from(orders)
    .where(
      and(eq(orders.userId, userId), after === undefined ? undefined : gt(orders.orderId, after)),
    )
    .orderBy(asc(orders.orderId))
    .limit(limit + 1);
  return { orders: rows.slice(0, limit), hasMore: rows.length > limit };
}

async function find(db: Db, orderId: string): Promise<OrderRow | undefined> {
  const [row] = await db.select().from(orders).where(eq(orders.orderId, orderId));
  return row;
}

async function findByRequestId(
  db: Db,
  userId: string,
  requestId: string,
): Promise<OrderRow | undefined> {
  const [row] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.userId, userId), eq(orders.requestId, requestId)));
  return row;
}

/**
 * throwNotFound answers for an order that does not exist, and for one the
 * caller may not see: both must look the same (OWASP API1).
 */
export function throwNotFound(orderId: string): never {
  throw new ConnectError(`order ${orderId} not found`, Code.NotFound);
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapDbError(err);
  }
}
