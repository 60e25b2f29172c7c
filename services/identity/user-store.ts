import { Code, ConnectError } from "@connectrpc/connect";
import { and, asc, eq, gt, type SQL, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { AuditCaller } from "../../platform/audit/index.js";
import { type AppDatabase, mapDbError, withTransaction } from "../../platform/db/index.js";
import { type AuditEvent, type IdentityTx, recordAudit } from "./audit/record-audit.js";
import type * as schema from "./db/schema.js";
import { type UserRow, users } from "./db/schema.js";
import type { UserChanges } from "./domain/update-mask.js";

/** NewUser holds the fields a client chooses when creating a user. */
export interface NewUser {
  readonly email: string;
  readonly displayName: string;
  /** argon2id PHC string, for Register; users made by CreateUser have none. */
  readonly passwordHash?: string | undefined;
}

/** UserPage is one page of users, oldest first, and whether more follow. */
export interface UserPage {
  readonly users: readonly UserRow[];
  readonly hasMore: boolean;
}

/**
 * UserStore reads and writes the `identity.users` table. Every method
 * throws only ConnectErrors: NOT_FOUND, ABORTED for a stale version, and
 * database errors mapped by `mapDbError`. `expectedVersion` is an optimistic
 * lock: when given, the write applies only to that version of the row.
 * Each write appends its audit row, naming `caller`, in its transaction.
 */
export interface UserStore {
  create(user: NewUser, caller: AuditCaller): Promise<UserRow>;
  get(userId: string): Promise<UserRow>;
  list(afterUserId: string | undefined, limit: number): Promise<UserPage>;
  update(
    userId: string,
    changes: UserChanges,
    expectedVersion: bigint | undefined,
    caller: AuditCaller,
  ): Promise<UserRow>;
  delete(userId: string, expectedVersion: bigint | undefined, caller: AuditCaller): Promise<void>;
  /** audit records an event that changes nothing, such as an admin's read. */
  audit(caller: AuditCaller, event: AuditEvent): Promise<void>;
}

// The one conflict a client can cause; said without echoing the email, which
// belongs to another user.
const dbMessages = { alreadyExists: "a user with this email already exists" };

/**
 * createUserStore builds the {@link UserStore} on a service's database.
 * Queries go through drizzle's builder only, so every value is a bound
 * parameter. Ids are UUIDv7, made here: time-ordered, so the primary key
 * index also serves "oldest first" keyset paging.
 */
export function createUserStore(db: AppDatabase<typeof schema>): UserStore {
  return {
    create: (user, caller) =>
      withTransaction(db, async (tx) => {
        const row = await insertUser(tx, user);
        await recordAudit(tx, caller, userEvent("user.created", row.userId));
        return row;
      }),
    get: (userId) =>
      guard(async () => {
        const [row] = await db.select().from(users).where(eq(users.userId, userId));
        if (!row) throw userNotFound(userId);
        return row;
      }),
    list: (afterUserId, limit) => guard(() => listPage(db, afterUserId, limit)),
    update: (userId, changes, expectedVersion, caller) =>
      guard(() =>
        withTransaction(db, async (tx) => {
          const row = await updateRow(tx, userId, changes, expectedVersion);
          const fields = Object.keys(changes);
          await recordAudit(tx, caller, {
            ...userEvent("user.updated", userId),
            details: { fields },
          });
          return row;
        }),
      ),
    delete: (userId, expectedVersion, caller) =>
      guard(() =>
        withTransaction(db, async (tx) => {
          await deleteRow(tx, userId, expectedVersion);
          await recordAudit(tx, caller, userEvent("user.deleted", userId));
        }),
      ),
    audit: async (caller, event) => {
      await withTransaction(db, (tx) => recordAudit(tx, caller, event));
    },
  };
}

/**
 * insertUser adds a user inside `tx` with a new UUIDv7 and the default
 * scopes; a taken email is ALREADY_EXISTS, without echoing it.
 */
export function insertUser(tx: IdentityTx, user: NewUser): Promise<UserRow> {
  return guard(async () => {
    const [row] = await tx
      .insert(users)
      .values({
        userId: uuidv7(),
        email: user.email,
        displayName: user.displayName,
        passwordHash: user.passwordHash ?? null,
      })
      .returning();
    return row!;
  });
}

function userEvent(action: string, userId: string): AuditEvent {
  return { action, target: `user:${userId}` };
}

// One row more than asked tells whether another page follows, without a count.
async function listPage(db: AppDatabase<typeof schema>, after: string | undefined, limit: number) {
  const rows = await db
    .select()
    .from(users)
    .where(after === undefined ? undefined : gt(users.userId, after))
    .orderBy(asc(users.userId))
    .limit(limit + 1);
  return { users: rows.slice(0, limit), hasMore: rows.length > limit };
}

async function updateRow(
  db: IdentityTx,
  userId: string,
  changes: UserChanges,
  expectedVersion: bigint | undefined,
): Promise<UserRow> {
  // Compare-and-set in one statement: the version check and the write cannot
  // be split by a concurrent update, so no lock or transaction is needed.
  const [row] = await db
    .update(users)
    .set({ ...changes, version: sql`${users.version} + 1`, updateTime: sql`now()` })
    .where(matching(userId, expectedVersion))
    .returning();
  if (row) return row;
  throw await whyNoRow(db, userId, expectedVersion);
}

async function deleteRow(
  db: IdentityTx,
  userId: string,
  expectedVersion: bigint | undefined,
): Promise<void> {
  const deleted = await db
    .delete(users)
    .where(matching(userId, expectedVersion))
    .returning({ userId: users.userId });
  if (deleted.length === 0) throw await whyNoRow(db, userId, expectedVersion);
}

function matching(userId: string, expectedVersion: bigint | undefined): SQL | undefined {
  const byId = eq(users.userId, userId);
  return expectedVersion === undefined ? byId : and(byId, eq(users.version, expectedVersion));
}

// A write that matched no row either had no row to match (NOT_FOUND) or lost
// the race to another writer (ABORTED: read again, then retry, per gRPC's
// guidance on ABORTED vs FAILED_PRECONDITION).
async function whyNoRow(
  db: IdentityTx,
  userId: string,
  expectedVersion: bigint | undefined,
): Promise<ConnectError> {
  const [current] = await db
    .select({ version: users.version })
    .from(users)
    .where(eq(users.userId, userId));
  if (!current) return userNotFound(userId);
  return new ConnectError(
    `user ${userId} is at version ${current.version}, not ${expectedVersion}: read it again and retry`,
    Code.Aborted,
  );
}

/**
 * userNotFound is the answer for a user that does not exist, and also for
 * one the caller may not see (OWASP API1): the same code and message.
 */
export function userNotFound(userId: string): ConnectError {
  return new ConnectError(`user ${userId} not found`, Code.NotFound);
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapDbError(err, dbMessages);
  }
}
