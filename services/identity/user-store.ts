import { Code, ConnectError } from "@connectrpc/connect";
import { and, asc, eq, gt, type SQL, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { type AppDatabase, mapDbError } from "../../platform/db/index.js";
import type * as schema from "./db/schema.js";
import { type UserRow, users } from "./db/schema.js";
import type { UserChanges } from "./domain/update-mask.js";

/** NewUser holds the fields a client chooses when creating a user. */
export interface NewUser {
  readonly email: string;
  readonly displayName: string;
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
 */
export interface UserStore {
  create(user: NewUser): Promise<UserRow>;
  get(userId: string): Promise<UserRow>;
  list(afterUserId: string | undefined, limit: number): Promise<UserPage>;
  update(userId: string, changes: UserChanges, expectedVersion?: bigint): Promise<UserRow>;
  delete(userId: string, expectedVersion?: bigint): Promise<void>;
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
    create: (user) =>
      guard(async () => {
        const [row] = await db
          .insert(users)
          .values({ userId: uuidv7(), email: user.email, displayName: user.displayName })
          .returning();
        return row!;
      }),
    get: (userId) =>
      guard(async () => {
        const [row] = await db.select().from(users).where(eq(users.userId, userId));
        if (!row) throw notFound(userId);
        return row;
      }),
    list: (afterUserId, limit) => guard(() => listPage(db, afterUserId, limit)),
    update: (userId, changes, expectedVersion) =>
      guard(() => updateRow(db, userId, changes, expectedVersion)),
    delete: (userId, expectedVersion) => guard(() => deleteRow(db, userId, expectedVersion)),
  };
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
  db: AppDatabase<typeof schema>,
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
  db: AppDatabase<typeof schema>,
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
  db: AppDatabase<typeof schema>,
  userId: string,
  expectedVersion: bigint | undefined,
): Promise<ConnectError> {
  const [current] = await db
    .select({ version: users.version })
    .from(users)
    .where(eq(users.userId, userId));
  if (!current) return notFound(userId);
  return new ConnectError(
    `user ${userId} is at version ${current.version}, not ${expectedVersion}: read it again and retry`,
    Code.Aborted,
  );
}

function notFound(userId: string): ConnectError {
  return new ConnectError(`user ${userId} not found`, Code.NotFound);
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapDbError(err, dbMessages);
  }
}
