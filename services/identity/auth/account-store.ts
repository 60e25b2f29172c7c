import { and, eq, sql } from "drizzle-orm";
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
 * FailureCount is what counting a failed login did: `counted` it, counted
 * it and `locked_now` (this failure reached the maximum), or nothing because
 * the account was `locked` by the time it was counted.
 */
export type FailureCount = "counted" | "locked_now" | "locked";

// Whether the account takes logins now. Every write that decides a login
// repeats this test in its WHERE: in READ COMMITTED, an UPDATE that waited
// for a concurrent one re-checks its WHERE against the row that one
// committed, so concurrent logins cannot all see the account unlocked
// (https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED).
const unlocked = sql`(${users.lockedUntil} is null or ${users.lockedUntil} <= now())`;

/**
 * countLoginFailure adds one to the user's consecutive failures and, once
 * they reach the policy's maximum, locks the account: one statement, so
 * concurrent failures are all counted. A failure that finds the account
 * locked, because concurrent guesses locked it while this one was being
 * checked, counts nothing and does not push the lock later: so a burst
 * counts at most the maximum per lock period, and exactly one failure
 * answers `locked_now`. The counter is not reset by the lock, so after the
 * lock expires the next failure locks again at once; only a successful
 * login resets it.
 */
export async function countLoginFailure(
  tx: IdentityTx,
  userId: string,
  policy: LockPolicy,
): Promise<FailureCount> {
  const reached = sql`${users.failedLogins} + 1 >= ${policy.maxFailures}`;
  const [row] = await tx
    .update(users)
    .set({
      failedLogins: sql`${users.failedLogins} + 1`,
      lockedUntil: sql`case when ${reached} then now() + make_interval(secs => ${policy.lockSeconds}) else ${users.lockedUntil} end`,
    })
    .where(and(eq(users.userId, userId), unlocked))
    .returning({ failedLogins: users.failedLogins });
  if (row === undefined) return "locked";
  return row.failedLogins >= policy.maxFailures ? "locked_now" : "counted";
}

/**
 * claimLogin grants a login whose password was right: it clears the
 * failure counter, but only if the account is still unlocked now. The
 * password was checked against a lock state read before argon2's work, and
 * concurrent failures may have locked the account since; false means they
 * did, and the login must be refused like any other.
 */
export async function claimLogin(tx: IdentityTx, userId: string): Promise<boolean> {
  const claimed = await tx
    .update(users)
    .set({ failedLogins: 0, lockedUntil: null })
    .where(and(eq(users.userId, userId), unlocked))
    .returning({ userId: users.userId });
  return claimed.length > 0;
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
