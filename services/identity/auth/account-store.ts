import { eq, sql } from "drizzle-orm";
import type { AppDatabase } from "../../../platform/db/index.js";
import type { IdentityTx } from "../audit/record-audit.js";
import type * as schema from "../db/schema.js";
import { users } from "../db/schema.js";

/** Account is what Login needs of a user: who, the password hash, scopes and lock state. */
export interface Account {
  readonly userId: string;
  readonly passwordHash: string | null;
  readonly scopes: readonly string[];
  /** Whether `locked_until` is still ahead of the database's clock. */
  readonly locked: boolean;
}

/** LockPolicy is the lock-out rule: `maxFailures` in a row lock the account for `lockSeconds`. */
export interface LockPolicy {
  readonly maxFailures: number;
  readonly lockSeconds: number;
}

/** findAccount finds a user by email, compared case-insensitively as the unique index does. */
export async function findAccount(
  db: AppDatabase<typeof schema>,
  email: string,
): Promise<Account | undefined> {
  const [row] = await db
    .select({
      userId: users.userId,
      passwordHash: users.passwordHash,
      scopes: users.scopes,
      locked: sql<boolean>`coalesce(${users.lockedUntil} > now(), false)`,
    })
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email})`);
  return row;
}

/**
 * countLoginFailure adds one to the user's consecutive failures and, once
 * they reach the policy's maximum, locks the account: one statement, so
 * concurrent failures are all counted. Returns whether this failure locked
 * it. The counter is not reset by the lock, so after the lock expires the
 * next failure locks again at once; only a successful login resets it.
 */
export async function countLoginFailure(
  tx: IdentityTx,
  userId: string,
  policy: LockPolicy,
): Promise<boolean> {
  const reached = sql`${users.failedLogins} + 1 >= ${policy.maxFailures}`;
  const [row] = await tx
    .update(users)
    .set({
      failedLogins: sql`${users.failedLogins} + 1`,
      lockedUntil: sql`case when ${reached} then now() + make_interval(secs => ${policy.lockSeconds}) else ${users.lockedUntil} end`,
    })
    .where(eq(users.userId, userId))
    .returning({ failedLogins: users.failedLogins });
  return row !== undefined && row.failedLogins >= policy.maxFailures;
}

/** resetLoginFailures clears the failure counter and any lock after a successful login. */
export async function resetLoginFailures(tx: IdentityTx, userId: string): Promise<void> {
  await tx
    .update(users)
    .set({ failedLogins: 0, lockedUntil: null })
    .where(eq(users.userId, userId));
}

/** scopesOf reads a user's current scopes, or undefined when the user is gone. */
export async function scopesOf(
  tx: IdentityTx,
  userId: string,
): Promise<readonly string[] | undefined> {
  const [row] = await tx
    .select({ scopes: users.scopes })
    .from(users)
    .where(eq(users.userId, userId));
  return row?.scopes;
}
