import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { IdentityTx } from "../audit/record-audit.js";
import { refreshTokens } from "../db/schema.js";

/**
 * SpentRefreshToken is what presenting a refresh token found: `spent` (it
 * was valid and is now used), `reused` (it had been used already: a replay)
 * or `invalid` (unknown, expired or revoked).
 */
export type SpentRefreshToken =
  | { readonly kind: "spent" | "reused"; readonly userId: string; readonly familyId: string }
  | { readonly kind: "invalid" };

/**
 * issueRefreshToken makes an opaque refresh token (32 random bytes,
 * base64url), stores only its SHA-256 in `family_id`'s family and returns
 * the token, which the client alone keeps from then on. In an existing
 * family, call it in the transaction that spent the predecessor
 * (spendRefreshToken), which holds the family's lock.
 */
export async function issueRefreshToken(
  tx: IdentityTx,
  userId: string,
  familyId: string,
  ttlSeconds: number,
): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await tx.insert(refreshTokens).values({
    id: uuidv7(),
    familyId,
    userId,
    tokenHash: hashRefreshToken(token),
    expires: sql`now() + make_interval(secs => ${ttlSeconds})`,
  });
  return token;
}

/** newTokenFamily is the family id of a fresh login or sign-up. */
export function newTokenFamily(): string {
  return uuidv7();
}

/**
 * spendRefreshToken marks the token used, in one statement so two
 * concurrent refreshes cannot both spend it; when nothing was spent it
 * tells a replay (a token already used) from an unknown one. It first takes
 * the family's lock (lockTokenFamily), which the transaction then holds
 * while it issues the successor.
 */
export async function spendRefreshToken(tx: IdentityTx, token: string): Promise<SpentRefreshToken> {
  const tokenHash = hashRefreshToken(token);
  const family = await unrevoked(tx, tokenHash);
  if (family === undefined) return { kind: "invalid" };
  // Locked before the token's row: revokeTokenFamily takes the same lock
  // before updating the family's rows, so the two cannot wait on each other.
  await lockTokenFamily(tx, family.familyId);
  const [spent] = await tx
    .update(refreshTokens)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(refreshTokens.tokenHash, tokenHash),
        isNull(refreshTokens.usedAt),
        isNull(refreshTokens.revokedAt),
        gt(refreshTokens.expires, sql`now()`),
      ),
    )
    .returning({ userId: refreshTokens.userId, familyId: refreshTokens.familyId });
  if (spent) return { kind: "spent", ...spent };
  // Read again: the first read may predate a revocation or a spend that
  // committed while this transaction waited for the lock.
  const known = await unrevoked(tx, tokenHash);
  if (known?.usedAt == null) return { kind: "invalid" };
  return { kind: "reused", userId: known.userId, familyId: known.familyId };
}

/**
 * lockTokenFamily takes a transaction-scoped advisory lock on one family,
 * held until commit or rollback. Refresh takes it before spending a token
 * and inserting its successor, revocation before updating the family's
 * rows. Without it, a revocation racing a refresh misses the successor: in
 * READ COMMITTED its UPDATE sees only the rows committed when it began, and
 * the successor commits after that, unrevoked. With it, the revocation's
 * UPDATE begins after the refresh committed, and sees the successor.
 * The key is a 64-bit hash of the family id; two families that collide only
 * take turns.
 */
export async function lockTokenFamily(tx: IdentityTx, familyId: string): Promise<void> {
  const key = `protoplane:identity:token_family:${familyId}`;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
}

/**
 * familyOf finds the family of a token that is not revoked yet, for
 * Logout; undefined when the token is unknown or already revoked.
 */
export async function familyOf(
  tx: IdentityTx,
  token: string,
): Promise<{ userId: string; familyId: string } | undefined> {
  return unrevoked(tx, hashRefreshToken(token));
}

async function unrevoked(tx: IdentityTx, tokenHash: string) {
  const [row] = await tx
    .select({
      userId: refreshTokens.userId,
      familyId: refreshTokens.familyId,
      usedAt: refreshTokens.usedAt,
    })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.revokedAt)));
  return row;
}

/**
 * revokeTokenFamily revokes every token of a family, spent or not, the
 * successor of a refresh still in flight included (it waits for the
 * family's lock); returns how many it revoked.
 */
export async function revokeTokenFamily(tx: IdentityTx, familyId: string): Promise<number> {
  await lockTokenFamily(tx, familyId);
  const revoked = await tx
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return revoked.length;
}

/** hashRefreshToken is SHA-256, hex: the token has 256 random bits, so a slow hash adds nothing. */
export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
