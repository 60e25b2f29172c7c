import type { AuditCaller } from "../../../platform/audit/index.js";
import { type AppDatabase, withTransaction } from "../../../platform/db/index.js";
import { type IdentityTx, recordAudit } from "../audit/record-audit.js";
import type * as schema from "../db/schema.js";
import { scopesOf } from "./account-store.js";
import {
  familyOf,
  issueRefreshToken,
  revokeTokenFamily,
  spendRefreshToken,
} from "./refresh-token-store.js";
import type { SignedIn } from "./sign-in.js";

/**
 * refreshSession spends a refresh token and issues its successor in the
 * same family, with the user's scopes as they are now (so a scope change
 * applies at the next refresh). A token presented a second time revokes its
 * whole family, the newest token included: only a thief or a confused
 * client replays one (RFC 9700 §4.14.2). Undefined means UNAUTHENTICATED:
 * unknown, expired, revoked or replayed.
 */
export function refreshSession(
  db: AppDatabase<typeof schema>,
  token: string,
  caller: AuditCaller,
  refreshTtlSeconds: number,
): Promise<SignedIn | undefined> {
  // The revocation must commit even though the call fails, so the
  // transaction returns undefined rather than throwing.
  return withTransaction(db, (tx) => rotateRefreshToken(tx, token, caller, refreshTtlSeconds));
}

/**
 * rotateRefreshToken is refreshSession's work inside its transaction. The
 * family stays locked from the spend until the transaction ends (see
 * lockTokenFamily), so a concurrent Logout revokes the successor too.
 */
export async function rotateRefreshToken(
  tx: IdentityTx,
  token: string,
  caller: AuditCaller,
  refreshTtlSeconds: number,
): Promise<SignedIn | undefined> {
  const spent = await spendRefreshToken(tx, token);
  if (spent.kind === "invalid") return undefined;
  if (spent.kind === "reused") {
    await revokeForReuse(tx, spent.userId, spent.familyId, caller);
    return undefined;
  }
  const scopes = await scopesOf(tx, spent.userId);
  if (scopes === undefined) return undefined;
  const refreshToken = await issueRefreshToken(tx, spent.userId, spent.familyId, refreshTtlSeconds);
  return { userId: spent.userId, scopes, refreshToken };
}

async function revokeForReuse(
  tx: IdentityTx,
  userId: string,
  familyId: string,
  caller: AuditCaller,
) {
  const revoked = await revokeTokenFamily(tx, familyId);
  await recordAudit(
    tx,
    { ...caller, actor: "anonymous" },
    {
      action: "auth.token_family.revoked",
      target: `user:${userId}`,
      outcome: "denied",
      details: { reason: "refresh_token_reused", family_id: familyId, tokens: revoked },
    },
  );
}

/**
 * revokeSession is Logout: it revokes the token's whole family. An unknown
 * or already revoked token succeeds and changes nothing, as token
 * revocation does in RFC 7009 §2.2: the client's goal is met either way.
 */
export async function revokeSession(
  db: AppDatabase<typeof schema>,
  token: string,
  caller: AuditCaller,
): Promise<void> {
  await withTransaction(db, async (tx) => {
    const family = await familyOf(tx, token);
    if (family === undefined) return;
    const revoked = await revokeTokenFamily(tx, family.familyId);
    const user = `user:${family.userId}`;
    await recordAudit(
      tx,
      { ...caller, actor: user },
      {
        action: "auth.logout",
        target: user,
        details: { family_id: family.familyId, tokens: revoked },
      },
    );
  });
}
